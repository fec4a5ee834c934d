import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { commandClasses } from "../../../src/cli/commands";
import { buildCli } from "../../../src/cli/main";

/**
 * Every hint the CLI prints that names a command or a flag must name one the real parser
 * accepts (docs/cli.md, "Exit codes": the CLI prints the exact command that fixes it). The
 * hints live in string literals all over `src/`, so this reads the sources instead of
 * hoping each hint has its own test.
 */

const root = join(import.meta.dirname, "../../..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

const files = sources(join(root, "src"));
/** Source files whose text the user can read: the CLI and the local stack it runs. */
const cliFiles = files.filter((f) => /src\/(cli|stack)\//.test(f));

/**
 * Flags of other programs that the CLI runs (git, node), named in their argv, not in a hint.
 * Each entry names the file that passes it.
 */
const otherProgramsFlags: Record<string, string> = {
  "--cached": "git ls-files (src/cli/sync)",
  "--others": "git ls-files",
  "--exclude-standard": "git ls-files",
  "--deleted": "git ls-files",
  "--symbolic-full-name": "git rev-parse",
  "--show-toplevel": "git rev-parse",
  "--git-dir": "git rev-parse",
  "--show-prefix": "git rev-parse (src/cli/sync/source.ts)",
  "--verify": "git rev-parse",
  "--short": "git rev-parse",
  "--porcelain": "git status",
  "--untracked-files": "git status",
  "--no-tags": "git fetch",
  "--filter": "git fetch",
  "--contains": "git branch",
  "--refresh": "git update-index",
  "--quiet": "git diff-index (src/cli/sync/git/remote-scripts.ts)",
  "--format": "git",
  "--stdin": "git",
  "--no-deref": "git update-ref",
  "--import": "node (src/stack/ensure.ts)",
  "--null": "tar on the machine (src/cli/run/artifacts.ts)",
  "--shard": "vitest, in the example of src/cli/commands/shard.ts",
  "--reporter": "vitest, in the example of src/cli/commands/shard.ts",
  "--output": "vitest --outputFile, in the example of src/cli/commands/shard.ts",
};

function withoutComments(text: string): string {
  return text
    .split("\n")
    .filter((line) => !/^\s*(\/\/|\/\*|\*)/.test(line))
    .join("\n");
}

/** Template literals that start with "crabbox " but are not hints: the key comment of a lease key. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal, matched as text
const notHints = new Set(["src/cli/keys/store.ts: crabbox ${leaseID}"]);

/** `crabbox …` in backticks, with `${…}` and `<…>` as stand-in values. */
function quotedCommands(): { file: string; argv: string[]; text: string }[] {
  const found: { file: string; argv: string[]; text: string }[] = [];
  for (const file of files) {
    // Comments are not printed; strip them so only text a user can read is checked.
    const text = withoutComments(readFileSync(file, "utf8"));
    // Both `crabbox x` inside a template literal (\`…\`) and in a plain string.
    for (const match of text.matchAll(/\\?`crabbox ([^`\\]*)\\?`/g)) {
      const body = match[1]!;
      // "crabbox dev: …" and "crabbox local machine: …" are log prefixes, not commands.
      if (/^[\w ]+:/.test(body)) continue;
      if (body.includes("${argv")) continue; // the parse error's own "run <what you typed> --help"
      const argv = body
        .replace(/\$\{[^}]*\}/g, "x")
        .replace(/<[^>]*>/g, "x")
        .replace(/"[^"]*"/g, "x")
        .replace(/…/g, "")
        .split(/\s+/)
        .filter(Boolean);
      if (notHints.has(`${relative(root, file)}: crabbox ${body}`)) continue;
      found.push({ file: relative(root, file), argv, text: `crabbox ${body}` });
    }
  }
  return found;
}

describe("hints that name a command or flag", () => {
  const cli = buildCli(commandClasses);
  const context = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: {},
    cwd: root,
    colorDepth: 1,
    signal: new AbortController().signal,
  };

  it("every `crabbox …` command quoted in the sources parses with the real CLI", () => {
    const commands = quotedCommands();
    expect(commands.length).toBeGreaterThan(30);
    const refused = commands.filter(({ argv }) => {
      try {
        cli.process(argv, context as never);
        return false;
      } catch {
        return true;
      }
    });
    expect(refused.map((c) => `${c.file}: ${c.text}`)).toEqual([]);
  });

  it("every --flag named in the CLI's sources is a flag of some crabbox command", () => {
    const known = new Set<string>();
    for (const definition of cli.definitions()) {
      for (const option of definition.options) {
        for (const name of option.definition.split(/[ ,]+/)) if (name.startsWith("--")) known.add(name);
      }
    }
    // Clipanion's builtins; its boolean flags are also accepted negated.
    known.add("--help");
    known.add("--version");
    for (const name of [...known]) known.add(`--no-${name.slice(2)}`);
    const unknown: string[] = [];
    for (const file of cliFiles) {
      for (const [flag] of withoutComments(readFileSync(file, "utf8")).matchAll(/--[a-z][a-z0-9-]+/g)) {
        if (!known.has(flag) && !(flag in otherProgramsFlags))
          unknown.push(`${relative(root, file)}: ${flag}`);
      }
    }
    expect([...new Set(unknown)]).toEqual([]);
  });

  it("the mass-deletion refusal names the flag that overrides it", async () => {
    const { checkDeletionGuard } = await import("../../../src/cli/sync/guards");
    const deletions = Array.from({ length: 15 }, (_, i) => `f${i}`);
    expect(() =>
      checkDeletionGuard({ deletions, remoteFiles: 20 }, { allowMassDelete: false, threshold: 10 }),
    ).toThrow(/pass --allow-mass-deletions /);
  });
});
