/**
 * `npm pack` must give a package that runs from any directory with only runtime files in it
 * (docs/cli.md, "Start-up"). The tests reach no registry: the packed tarball is unpacked the
 * way `npm install` lays it out, with its dependencies linked from this checkout's
 * node_modules, then started from an unrelated directory.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
let work: string;
let files: string[];
let installed: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "crabbox-pack-"));
  // The e2e global set-up has just built dist/cli; `prepare` would only build it again.
  const out = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [packed] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error(`npm pack printed no package: ${out}`);
  files = packed.files.map((f) => f.path);
  const prefix = join(work, "prefix");
  installed = join(prefix, "node_modules", "crabbox");
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", join(work, packed.filename), "-C", installed, "--strip-components=1"]);
  // What `npm install` would put beside it: the dependencies, here from the checkout.
  mkdirSync(join(installed, "node_modules"));
  for (const name of readdirSync(join(root, "node_modules"))) {
    if (name.startsWith(".")) continue;
    symlinkSync(join(root, "node_modules", name), join(installed, "node_modules", name));
  }
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function crabbox(...args: string[]) {
  const elsewhere = mkdtempSync(join(work, "cwd-"));
  return spawnSync(process.execPath, [join(installed, "bin", "crabbox.js"), ...args], {
    cwd: elsewhere,
    encoding: "utf8",
    env: { ...process.env, HOME: elsewhere, XDG_CONFIG_HOME: join(elsewhere, ".config") },
  });
}

describe("the packed crabbox", () => {
  it("holds the built CLI and no sources, tests or tooling", () => {
    expect(files).toContain("bin/crabbox.js");
    expect(files).toContain("dist/cli/main.js");
    const extra = files.filter(
      (f) => !["package.json", "README.md", "bin/crabbox.js"].includes(f) && !f.startsWith("dist/cli/"),
    );
    expect(extra).toEqual([]);
    expect(files.filter((f) => f.endsWith(".ts") || f.endsWith(".map"))).toEqual([]);
  });

  it("prints its version from a directory outside the checkout", () => {
    const result = crabbox("--version");
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("0.1.0");
    expect(result.status).toBe(0);
  });

  it("runs a command that loads its module graph from the package", () => {
    const result = crabbox("config", "path");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("config");
  });
});
