import { CrabboxError } from "../../../errors";
import { writeUserConfig } from "../../config";
import { CrabboxCommand } from "../base";
import { Command, Option } from "../clipanion";
import { readSecretFromStdin } from "../stdin";

export class ConfigSetBrokerCommand extends CrabboxCommand {
  static override paths = [["config", "set-broker"]];
  static override usage = Command.Usage({
    description: "Point the CLI at a coordinator; tokens are read from stdin, never from flags",
    examples: [
      [
        "Use a coordinator with an operator token",
        'printf %s "$TOKEN" | crabbox config set-broker --url https://crabbox.example.com --token-stdin',
      ],
    ],
  });
  url = Option.String("--url", { required: true, description: "Coordinator base URL" });
  tokenStdin = Option.Boolean("--token-stdin", false, { description: "Read the bearer token from stdin" });
  adminTokenStdin = Option.Boolean("--admin-token-stdin", false, {
    description: "Read the admin token from stdin",
  });
  provider = Option.String("--provider", { description: "Default provider for this coordinator" });

  async execute(): Promise<number> {
    if (this.tokenStdin && this.adminTokenStdin) {
      throw new CrabboxError(
        "usage",
        "use --token-stdin and --admin-token-stdin in two separate calls (stdin is read once)",
      );
    }
    try {
      new URL(this.url);
    } catch {
      throw new CrabboxError(
        "usage",
        `--url "${this.url}" is not an absolute URL (like https://crabbox.example.com)`,
      );
    }
    const token = this.tokenStdin
      ? await readSecretFromStdin(this.context.stdin, "--token-stdin")
      : undefined;
    const adminToken = this.adminTokenStdin
      ? await readSecretFromStdin(this.context.stdin, "--admin-token-stdin")
      : undefined;
    const path = writeUserConfig(
      {
        ...(this.provider ? { provider: this.provider } : {}),
        broker: { url: this.url.replace(/\/+$/, ""), token, adminToken, provider: this.provider },
      },
      this.env,
    );
    this.out(
      `broker=${this.url} config=${path}${token ? " token=configured" : ""}${adminToken ? " admin_token=configured" : ""}`,
    );
    return 0;
  }
}
