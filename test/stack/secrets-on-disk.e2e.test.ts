import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureLocalStack, stopLocalStack } from "../../src/stack";
import { runCli } from "../cli/support";
import { tempRepo } from "../e2e/repo";
import { isolatedEnv } from "./support";

/**
 * Issue 13, "Secrets on disk": wrangler wrote its debug log (0644, under
 * `~/.config/.wrangler/logs`) with the admin and shared tokens in full and most of the session
 * secret and the host token. This drives the zero-config stack and the CLI with HOME and
 * XDG_CONFIG_HOME inside a temporary root, then reads every file written there and every
 * answer: a secret may only be in the 0600 stores that exist to hold it (docs/design.md,
 * "Identity": secrets never in a log line, an error or a response).
 */

function files(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return [];
    if (stat.isDirectory()) return files(path);
    return stat.isFile() ? [path] : [];
  });
}

describe("secrets of the local stack and the CLI", () => {
  let ctx: Awaited<ReturnType<typeof isolatedEnv>>;
  let env: NodeJS.ProcessEnv;
  let repo: ReturnType<typeof tempRepo>;
  const answers: string[] = [];

  beforeAll(async () => {
    ctx = await isolatedEnv();
    env = { ...ctx.env, HOME: ctx.root, XDG_CONFIG_HOME: join(ctx.root, ".config") };
    delete env.WRANGLER_LOG_PATH;
    repo = tempRepo();
  });

  afterAll(async () => {
    await stopLocalStack(env);
    await ctx?.cleanup();
  });

  it("are in no file but their 0600 stores, and in no answer of the stack or the CLI", async () => {
    const cli = async (...argv: string[]) => {
      const result = await runCli(argv, { env, cwd: repo.root });
      answers.push(result.stdout, result.stderr);
      return result;
    };
    // Zero config: `run` starts the stack in the background (wrangler and all).
    const run = await cli("run", "--", "sh", "-c", "echo ran; env | sort");
    expect(run.code, run.stderr).toBe(0);
    const warm = await cli("warmup", "--json");
    expect(warm.code, warm.stderr).toBe(0);
    const slug = JSON.parse(warm.stdout).slug as string;
    for (const argv of [
      ["list", "--json"],
      ["history", "--json"],
      ["whoami", "--json"],
      ["config", "show", "--json"],
      ["usage", "--json"],
      ["admin", "leases", "--json"],
      ["admin", "events", "--json"],
      ["dev", "status", "--json"],
      ["ssh", "--print", slug],
      ["status", slug, "--json"],
      ["inspect", "nope-nope"],
      ["doctor"],
    ]) {
      await cli(...argv);
    }

    const state = env.CRABBOX_STATE_DIR as string;
    const stored = JSON.parse(readFileSync(join(state, "stack-secrets.json"), "utf8")) as Record<
      string,
      string
    >;
    const { url } = await ensureLocalStack({ env });
    // Raw answers too, with each token and a wrong one: bodies and headers.
    for (const token of [stored.sharedToken, stored.adminToken, "wrong-token"]) {
      for (const path of [
        "/v1/health",
        "/v1/whoami",
        "/v1/leases",
        "/v1/runs",
        "/v1/admin/leases",
        "/v1/nope",
        "/portal",
      ]) {
        const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        answers.push(JSON.stringify([...response.headers]), await response.text());
      }
    }
    await cli("stop", slug);

    const leaseKeys = files(join(env.CRABBOX_CONFIG_DIR as string, "leases")).filter((f) =>
      f.endsWith("id_ed25519"),
    );
    const keyLines = leaseKeys
      .map((f) => readFileSync(f, "utf8").split("\n")[2] ?? "")
      .filter((l) => l.length > 40);
    // Each secret in full, and its head (wrangler printed them truncated to ~40 characters).
    const needles = Object.entries(stored).flatMap(([name, value]) => [
      [name, value],
      [`${name} (head)`, value.slice(0, value.indexOf("_") + 13)],
    ]);
    for (const line of keyLines) needles.push(["a lease's private key", line]);
    expect(needles.length).toBeGreaterThanOrEqual(8);

    // The stores that exist to hold secrets, each 0600.
    const stores = new Set([
      join(state, "stack-secrets.json"),
      join(state, "stack.json"),
      join(env.CRABBOX_CONFIG_DIR as string, "config.yaml"),
      ...leaseKeys,
    ]);
    const written = [...files(ctx.root), ...files(repo.root)];
    // Wrangler did write its debug log: in the state directory.
    expect(written.some((f) => f.startsWith(join(state, "logs", "wrangler", "wrangler-")))).toBe(true);
    const leaks: string[] = [];
    for (const file of written) {
      const text = readFileSync(file).toString("latin1");
      const found = needles.filter(([, needle]) => text.includes(needle as string)).map(([name]) => name);
      if (!found.length) continue;
      const mode = statSync(file).mode & 0o777;
      if (!stores.has(file) || mode !== 0o600)
        leaks.push(`${relative(ctx.root, file)} (mode ${mode.toString(8)}): ${found.join(", ")}`);
    }
    expect(leaks).toEqual([]);
    for (const file of stores) expect(statSync(file).mode & 0o777, file).toBe(0o600);

    const answerLeaks = needles.filter(([, needle]) => answers.some((a) => a.includes(needle as string)));
    expect(answerLeaks.map(([name]) => name)).toEqual([]);
  });
});
