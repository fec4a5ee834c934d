/**
 * `npm pack` must give a package that runs from any directory with only runtime files in it
 * (docs/cli.md, "Start-up"). The tests reach no registry: the packed tarball is unpacked the
 * way `npm install` lays it out, with its dependencies linked from this checkout's
 * node_modules, then started from an unrelated directory.
 */
import { execFile, execFileSync, spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useLocalStack } from "./local-stack-suite";

const root = fileURLToPath(new URL("../..", import.meta.url));
let work: string;
let files: string[];
let installed: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "crabbox-pack-"));
  // The e2e global set-up has just built dist/cli; the client (with its declarations) is built
  // here, what `prepare` would do, so the tarball holds the current sources' build.
  execFileSync(process.execPath, [join(root, "scripts/build-client.mjs"), "--types"], {
    cwd: root,
    stdio: "inherit",
  });
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
    expect(files).toContain("dist/client/index.js");
    expect(files).toContain("dist/client/types/client/index.d.ts");
    const extra = files.filter(
      (f) =>
        !["package.json", "README.md", "bin/crabbox.js"].includes(f) &&
        !f.startsWith("dist/cli/") &&
        !f.startsWith("dist/client/"),
    );
    expect(extra).toEqual([]);
    const sources = files.filter((f) => (f.endsWith(".ts") && !f.endsWith(".d.ts")) || f.endsWith(".map"));
    expect(sources).toEqual([]);
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

/** The fenced `js` block of docs/api.md's "Typed client" section: the example agents copy. */
function docsExample(): string {
  const doc = readFileSync(join(root, "docs/api.md"), "utf8");
  const section = doc.slice(doc.indexOf("## Typed client"));
  const block = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('docs/api.md has no js example under "Typed client"');
  return block;
}

describe('the packed crabbox, imported as a library: import { createClient } from "crabbox"', () => {
  const suite = useLocalStack();

  it("runs docs/api.md's client example as written against the local stack", async () => {
    // Beside the installed package, as an agent's script in its own project would be. The stack
    // runs in this process, so the script runs asynchronously (a sync spawn would block it).
    const project = join(installed, "..", "..");
    writeFileSync(join(project, "agent.mjs"), docsExample());
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["agent.mjs"], {
      cwd: project,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        CRABBOX_URL: suite.stack.info.url,
        CRABBOX_TOKEN: suite.stack.info.token,
        CRABBOX_ADMIN_TOKEN: suite.stack.info.adminToken,
      },
    });
    expect(stderr).toBe("");
    expect(stdout.split("\n")).toEqual([
      "agent@example.com (shared token) has 0 active leases",
      "heartbeat refused: not_found (http 404)",
      expect.stringMatching(/^crabbox_event_log_events \d+$/),
      "",
    ]);
  });

  it("type-checks a consumer with Node's own module resolution against the declarations", () => {
    const project = join(installed, "..", "..");
    writeFileSync(
      join(project, "consumer.ts"),
      [
        'import { type ClientError, createClient, type LeaseRecord } from "crabbox";',
        'const client = createClient({ url: "https://crabbox.example.com", token: "t" });',
        "export const leases: Promise<LeaseRecord[]> = client.listLeases({ limit: 5 });",
        "export function statusOf(failure: ClientError): number {",
        "  switch (failure.code) {",
        '    case "lease_ended":',
        "      return failure.details.status ?? 409;",
        "    default:",
        "      return 0;",
        "  }",
        "}",
        "// @ts-expect-error: not one of the stable error codes",
        'export const wrong: ClientError["code"] = "no_such_code";',
        "",
      ].join("\n"),
    );
    writeFileSync(join(project, "package.json"), '{ "type": "module" }\n');
    const result = spawnSync(
      process.execPath,
      [
        join(root, "node_modules/typescript/bin/tsc"),
        "--noEmit",
        "--strict",
        "--module",
        "node16",
        "--moduleResolution",
        "node16",
        "--target",
        "es2023",
        "--lib",
        "es2023,dom",
        "consumer.ts",
      ],
      { cwd: project, encoding: "utf8" },
    );
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});
