import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { CrabboxError } from "../../errors";
import { CrabboxCommand } from "./base";
import { Command, Option } from "./clipanion";

export function repoRoot(cwd: string): string {
  try {
    return execFileSync("git", ["rev-parse", "--show-toplevel"], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return cwd;
  }
}

function template(repoName: string): string {
  return `# Crabbox repo config (shared through git). Never put tokens here: \`crabbox login\`
# stores them in your user config. Precedence: flags > env > this file > user config > defaults.
profile: ${repoName}-check
class: beast
ttl: 90m
idleTimeout: 30m
capacity:
  market: spot
  strategy: most-available
  fallback: on-demand-after-120s
sync:
  delete: true
  timeout: 15m
  warnFiles: 50000
  warnBytes: 5368709120
  failFiles: 150000
  failBytes: 21474836480
  exclude:
    - .cache
    - .turbo
    - dist
    - node_modules
env:
  allow:
    - CI
    - NODE_OPTIONS
results:
  junit: []
# Named overlays, picked with --profile <name> or CRABBOX_PROFILE:
# profiles:
#   big:
#     class: large
#     ttl: 4h
`;
}

export class InitCommand extends CrabboxCommand {
  static override paths = [["init"]];
  static override usage = Command.Usage({
    description: "Write a starter crabbox.yaml at the repository root",
  });
  force = Option.Boolean("--force", false, { description: "Overwrite an existing file" });
  config = Option.String("--config", "crabbox.yaml", { description: "File name, relative to the repo root" });

  async execute(): Promise<number> {
    const root = repoRoot(this.context.cwd);
    const path = resolve(root, this.config);
    if (existsSync(path) && !this.force) {
      throw new CrabboxError("usage", `${path} already exists; pass --force to overwrite it`);
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, template(basename(root)), { mode: 0o644 });
    this.out(`wrote ${path}`);
    return 0;
  }
}
