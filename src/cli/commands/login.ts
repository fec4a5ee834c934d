import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { CrabboxError } from "../../errors";
import { sleep } from "../../time/sleep";
import { type ResolvedConfig, writeUserConfig } from "../config";
import { cliClient } from "../coordinator/connect";
import { kv, printJson } from "../output/print";
import { CrabboxCommand, jsonOption } from "./base";
import { Command, Option } from "./clipanion";
import { readSecretFromStdin } from "./stdin";

function openBrowser(url: string): boolean {
  const [cmd, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["rundll32", ["url.dll,FileProtocolHandler", url]]
        : ["xdg-open", [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

export class LoginCommand extends CrabboxCommand {
  static override paths = [["login"]];
  static override usage = Command.Usage({
    description: "Log in to a coordinator with GitHub in the browser, or store an operator token from stdin",
    examples: [
      ["Browser login", "crabbox login --url https://crabbox.example.com"],
      [
        "Operator token",
        'printf %s "$TOKEN" | crabbox login --url https://crabbox.example.com --token-stdin',
      ],
    ],
  });
  url = Option.String("--url", { description: "Coordinator URL (default: the configured one)" });
  provider = Option.String("--provider", { description: "Default provider to store with the login" });
  tokenStdin = Option.Boolean("--token-stdin", false, {
    description: "Read a token from stdin instead of GitHub",
  });
  noBrowser = Option.Boolean("--no-browser", false, {
    description: "Print the GitHub URL instead of opening it",
  });
  json = jsonOption();

  private async githubToken(url: string): Promise<{ token: string; provider?: string }> {
    let client = cliClient({ baseUrl: url, token: "" });
    const pollSecret = randomBytes(32).toString("hex");
    const hash = createHash("sha256").update(pollSecret).digest("hex");
    let start = await client.githubStart(hash, this.provider);
    // A coordinator behind another host name answers with its canonical callback origin: follow it once.
    const redirect = new URL(start.url).searchParams.get("redirect_uri");
    if (redirect?.endsWith("/v1/auth/github/callback")) {
      const origin = new URL(redirect).origin;
      if (origin !== new URL(url).origin) {
        client = cliClient({ baseUrl: origin, token: "" });
        start = await client.githubStart(hash, this.provider);
        url = origin;
      }
    }
    if (this.noBrowser || !openBrowser(start.url)) {
      this.err(`open this GitHub login URL:\n${start.url}`);
    } else {
      this.err(`opened the browser for GitHub login; if nothing appeared, open:\n${start.url}`);
    }
    const deadline = Math.min(Date.parse(start.expiresAt) || Infinity, Date.now() + 10 * 60_000);
    while (Date.now() < deadline) {
      const answer = await client.githubPoll(start.loginID, pollSecret);
      switch (answer.status) {
        case "pending":
          await sleep(2000, this.context.signal);
          continue;
        case "complete":
          return { token: answer.token, provider: answer.provider };
        case "expired":
          throw new CrabboxError(
            "unauthorized",
            "GitHub login expired before it completed; run `crabbox login` again",
          );
        case "failed":
          throw new CrabboxError("unauthorized", `GitHub login failed: ${answer.error}`);
      }
    }
    throw new CrabboxError(
      "unauthorized",
      "GitHub login was not completed within 10 minutes; run `crabbox login` again",
    );
  }

  async execute(): Promise<number> {
    let config: ResolvedConfig | undefined;
    try {
      config = this.loadConfig();
    } catch {
      config = undefined;
    }
    const url = (this.url ?? config?.broker.url ?? "").replace(/\/+$/, "");
    if (!url) {
      throw new CrabboxError(
        "usage",
        "login needs a coordinator: pass --url https://… (or run `crabbox dev` for a local one)",
      );
    }
    const { token, provider } = this.tokenStdin
      ? { token: await readSecretFromStdin(this.context.stdin, "--token-stdin"), provider: undefined }
      : await this.githubToken(url);
    const chosenProvider = this.provider ?? provider;
    const path = writeUserConfig(
      {
        ...(chosenProvider ? { provider: chosenProvider } : {}),
        broker: { url, token, ...(chosenProvider ? { provider: chosenProvider } : {}) },
      },
      this.env,
    );
    const client = cliClient({ baseUrl: url, token });
    const identity = await client.whoami(this.context.signal);
    if (this.json) {
      printJson(this.context.stdout, { config: path, broker: url, provider: chosenProvider ?? "", identity });
    } else {
      this.out(
        `logged in ${kv({ broker: url, provider: chosenProvider, user: identity.owner, org: identity.org, config: path })}`,
      );
    }
    return 0;
  }
}
