import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * docs/deploy.md promises "every environment variable". This keeps it true: every crabbox,
 * Azure, Hetzner or AWS variable that the coordinator (src/worker, src/providers, src/domain)
 * or the local stack (src/stack, src/local) reads from an environment must be named there.
 */

const root = join(__dirname, "..", "..");
const scanned = ["src/worker", "src/providers", "src/domain", "src/stack", "src/local"];
const name = `(?:CRABBOX|AZURE|HETZNER|HCLOUD|AWS)_[A-Z0-9_]*[A-Z0-9]`;

/** The ways the code reads a variable: `env.X`, `env?.X`, `env["X"]`, or the name as a whole string argument (`text(env, "X")`, `pick("X", "Y")`, a pass-through list). */
const readPatterns = [
  new RegExp(String.raw`[eE]nv\??\.(${name})\b`, "g"),
  new RegExp(String.raw`[eE]nv\[\s*["'\`](${name})["'\`]\s*\]`, "g"),
  new RegExp(String.raw`["'\`](${name})["'\`](?!\s*:)`, "g"),
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Code without comments: a name in a comment is prose, not a read. */
function withoutComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .filter((line) => !line.trim().startsWith("//"))
    .map((line) => line.replace(/\s\/\/\s.*$/, ""))
    .join("\n");
}

function variablesRead(source: string): Set<string> {
  const code = withoutComments(source);
  const found = new Set<string>();
  for (const pattern of readPatterns)
    for (const match of code.matchAll(pattern)) found.add(match[1] as string);
  return found;
}

function readsBySource(): Map<string, string[]> {
  const where = new Map<string, string[]>();
  for (const folder of scanned) {
    for (const file of sourceFiles(join(root, folder))) {
      for (const variable of variablesRead(readFileSync(file, "utf8"))) {
        where.set(variable, [...(where.get(variable) ?? []), relative(root, file)]);
      }
    }
  }
  return where;
}

describe("docs/deploy.md", () => {
  it("names every environment variable the coordinator and the local stack read", () => {
    const doc = readFileSync(join(root, "docs", "deploy.md"), "utf8");
    const reads = readsBySource();
    const missing = [...reads.entries()]
      .filter(([variable]) => !new RegExp(String.raw`\b${variable}\b`).test(doc))
      .map(([variable, files]) => `${variable} (read in ${files.join(", ")})`);
    expect(missing, "add these to docs/deploy.md with their meaning and default").toEqual([]);
  });

  it("finds the reads it is meant to find (so an empty scan cannot pass)", () => {
    const reads = readsBySource();
    for (const known of [
      "CRABBOX_PROVISION_WAIT_MS", // msSetting(env, "…")
      "CRABBOX_ORPHAN_SWEEP_DELETE", // env.X
      "CRABBOX_MAX_MONTHLY_USD_PER_ORG", // env.X inside a call
      "AZURE_CLIENT_SECRET", // pick("…")
      "HCLOUD_TOKEN", // the alternative Hetzner name
      "CRABBOX_PORT", // the local stack
      "CRABBOX_STATE_DIR",
    ]) {
      expect(reads.has(known), known).toBe(true);
    }
  });
});

describe("the read detector", () => {
  it("counts reads, not comments, messages or variables the code sets for others", () => {
    const source = [
      "// CRABBOX_IN_A_COMMENT is prose",
      "/** CRABBOX_IN_A_DOC_COMMENT too */",
      "const a = env.CRABBOX_DOTTED;",
      "const b = process.env?.CRABBOX_OPTIONAL_CHAIN;",
      'const c = env["CRABBOX_INDEXED"];',
      'const d = msSetting(env, "CRABBOX_ARGUMENT", 5); // CRABBOX_TRAILING_COMMENT',
      'const e = pick("CRABBOX_AZURE_X", "AZURE_X");',
      'throw new Error("set the HETZNER_TOKEN secret");',
      "spawn(cmd, { env: { CRABBOX_SET_FOR_A_CHILD: id } });",
      'const f = { "CRABBOX_QUOTED_KEY": 1 };',
      'fetch("https://example.com/v1"); const g = env.CRABBOX_AFTER_A_URL;',
    ].join("\n");
    expect([...variablesRead(source)].sort()).toEqual(
      [
        "AZURE_X",
        "CRABBOX_AFTER_A_URL",
        "CRABBOX_ARGUMENT",
        "CRABBOX_AZURE_X",
        "CRABBOX_DOTTED",
        "CRABBOX_INDEXED",
        "CRABBOX_OPTIONAL_CHAIN",
      ].sort(),
    );
  });
});
