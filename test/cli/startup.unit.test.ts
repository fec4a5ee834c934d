/**
 * Agents call `crabbox` many times per task, so every command's start-up counts. Wrangler
 * (with miniflare) and the AWS and Azure SDKs each take hundreds of milliseconds to load;
 * they are imported where a command needs them (`await import(...)`), never on the static
 * import graph of the CLI's entry point.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const entry = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
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
  return packages;
}

describe("crabbox start-up", () => {
  it("loads neither wrangler nor the cloud SDKs until a command needs them", () => {
    const packages = staticPackages(entry);
    expect(packages.size).toBeGreaterThan(3);
    const loadedEagerly = heavy
      .filter((name) => [...packages.keys()].some((p) => p === name || p.startsWith(`${name}/`)))
      .map((name) => `${name} via ${(packages.get(name) ?? []).map((f) => f.split("/src/")[1]).join(" → ")}`);
    expect(loadedEagerly).toEqual([]);
  });
});
