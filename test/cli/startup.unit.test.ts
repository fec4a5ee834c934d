/**
 * Agents call `crabbox` many times per task, so every command's start-up counts. Wrangler
 * (with miniflare) and the AWS and Azure SDKs each take hundreds of milliseconds to load;
 * they are imported where a command needs them (`await import(...)`), never on the static
 * import graph of any command. The entry point itself loads only routing: each command's
 * module graph is imported for the first word that names it (src/cli/commands/by-word.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { commandsByWord, commandsFor } from "../../src/cli/commands/by-word";
import { commandClasses } from "../../src/cli/commands/index";

const entry = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const allCommands = fileURLToPath(new URL("../../src/cli/commands/index.ts", import.meta.url));
const heavy = ["wrangler", "miniflare", "@aws-sdk/client-ec2", "@azure/arm-compute", "@azure/arm-network"];

/** Static `import … from "x"` / `export … from "x"` specifiers (type-only imports excluded). */
function staticImports(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?["']([^"']+)["']/gm;
  for (const match of source.matchAll(pattern)) if (match[1]) specifiers.push(match[1]);
  return specifiers;
}

function resolveLocal(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base.replace(/\.js$/, "")}.ts`, `${base}/index.ts`]) {
    if (candidate.endsWith(".ts") && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Packages reachable from `start` through static imports, with one path to each. */
function staticPackages(start: string): Map<string, string[]> {
  return staticGraph(start).packages;
}

function staticGraph(start: string): { packages: Map<string, string[]>; files: Set<string> } {
  const packages = new Map<string, string[]>();
  const seen = new Set<string>([start]);
  const queue: { file: string; path: string[] }[] = [{ file: start, path: [start] }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    for (const specifier of staticImports(readFileSync(next.file, "utf8"))) {
      if (specifier.startsWith(".")) {
        const file = resolveLocal(next.file, specifier);
        if (file && !seen.has(file)) {
          seen.add(file);
          queue.push({ file, path: [...next.path, file] });
        }
      } else if (!specifier.startsWith("node:") && !packages.has(specifier)) {
        packages.set(specifier, next.path);
      }
    }
  }
  return { packages, files: seen };
}

describe("crabbox start-up", () => {
  it("loads neither wrangler nor the cloud SDKs until a command needs them", () => {
    const packages = staticPackages(allCommands);
    expect(packages.size).toBeGreaterThan(3);
    const loadedEagerly = heavy
      .filter((name) => [...packages.keys()].some((p) => p === name || p.startsWith(`${name}/`)))
      .map((name) => `${name} via ${(packages.get(name) ?? []).map((f) => f.split("/src/")[1]).join(" → ")}`);
    expect(loadedEagerly).toEqual([]);
  });

  it("loads only routing and the argument parser before it knows the command", () => {
    const { packages, files } = staticGraph(entry);
    // (Clipanion itself comes in through createRequire in src/cli/commands/clipanion.ts.)
    expect([...packages.keys()]).toEqual([]);
    // main, errors, routing, the parser wrapper and its context type: a command's graph
    // landing here (hundreds of files with zod, yaml, ssh2) breaks the start-up budget.
    expect(files.size).toBeLessThanOrEqual(6);
  });

  it("keeps the local stack's machine host, direct mode's providers and the JUnit parser off `run`'s static graph", () => {
    const run = fileURLToPath(new URL("../../src/cli/commands/run.ts", import.meta.url));
    const { packages, files } = staticGraph(run);
    const offPath = [...files]
      .map((f) => f.split("/src/")[1] ?? f)
      .filter((f) =>
        /^(local\/(machine-host|http\/|ssh\/)|providers\/(hetzner|aws|azure)\/|stack\/run-stack|cli\/target\/direct-cloud)/.test(
          f,
        ),
      );
    expect(offPath).toEqual([]);
    expect([...packages.keys()].filter((p) => p.startsWith("@xmldom/"))).toEqual([]);
    // A warm `run --id` loads this many source files; the machine host, the providers and the
    // stack's daemon code together were ~60 more (docs/cli.md, "Start-up").
    expect(files.size).toBeLessThanOrEqual(140);
  });

  it("keeps the event catalogue off the coordinator client's static graph (webhook shapes load on first use)", () => {
    const client = fileURLToPath(new URL("../../src/client/client.ts", import.meta.url));
    const files = [...staticGraph(client).files].map((f) => f.split("/src/")[1] ?? f);
    expect(files).not.toContain("events/catalogue.ts");
    expect(files.filter((f) => f.startsWith("events/")).length).toBeLessThanOrEqual(1);
  });

  it("keeps undici off `run`'s static graph: no file on it touches the global fetch or its classes", () => {
    // Node loads its bundled undici on the first use of fetch, Response, Headers or Request:
    // 50-250 ms of a warm run here; coordinator requests go over node:http instead
    // (src/client/http-fetch.ts, docs/sync.md "Inner loop").
    const run = fileURLToPath(new URL("../../src/cli/commands/run.ts", import.meta.url));
    const users = [...staticGraph(run).files].filter((file) =>
      /(?<![.\w])(fetch\(|new (Response|Headers|Request)\b|(Response|Headers|Request)\.\w|FormData\b|WebSocket\b)/.test(
        readFileSync(file, "utf8").replace(/^\s*(\/\/|\*).*$/gm, ""),
      ),
    );
    expect(users.map((f) => f.split("/src/")[1])).toEqual([]);
  });

  it("answers --version without loading any command", async () => {
    expect(await commandsFor(["--version"])).toEqual([]);
  });

  it("finds every command under the first word of each of its paths, and no other", async () => {
    const words = new Map<string, Set<unknown>>();
    for (const [word, load] of Object.entries(commandsByWord)) words.set(word, new Set(await load()));
    const missing: string[] = [];
    for (const command of commandClasses) {
      for (const path of command.paths ?? []) {
        const word = path[0] ?? "";
        if (!words.get(word)?.has(command)) missing.push(`${path.join(" ")} (${command.name})`);
      }
    }
    expect(missing).toEqual([]);
    const strays = [...words].flatMap(([word, set]) =>
      [...set]
        .filter(
          (c) =>
            !commandClasses.includes(c as never) ||
            !(c as { paths?: string[][] }).paths?.some((p) => p[0] === word),
        )
        .map((c) => `${word}: ${(c as { name: string }).name}`),
    );
    expect(strays).toEqual([]);
  });

  it("loads every command for a word it does not know, so help and typos see them all", async () => {
    expect(await commandsFor(["--help"])).toBe(commandClasses);
    expect(await commandsFor(["rnu"])).toBe(commandClasses);
  });
});
