import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, it } from "vitest";

/**
 * What a user can reach in the CLI, the local stack and its machines fails with a
 * `CrabboxError` (a stable code → exit code, docs/cli.md "Exit codes"), never a plain `Error`,
 * which `main` can only report as "unexpected error" with a stack trace and exit 1.
 */

const root = join(import.meta.dirname, "../../..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Programming invariants no input can trigger, each with the reason. */
const invariants: Record<string, string> = {
  "src/cli/process/child-output.ts": "a caller spawned a child without a stdout pipe",
};

it("user-reachable code in src/cli, src/stack and src/local throws CrabboxErrors, not plain Errors", () => {
  const plain: string[] = [];
  for (const dir of ["src/cli", "src/stack", "src/local"]) {
    for (const file of sources(join(root, dir))) {
      const name = relative(root, file);
      if (name in invariants) continue;
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (/throw new Error\(/.test(line)) plain.push(`${name}:${i + 1}: ${line.trim()}`);
        });
    }
  }
  expect(plain).toEqual([]);
});
