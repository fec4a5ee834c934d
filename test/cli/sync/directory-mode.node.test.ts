import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildManifest } from "../../../src/cli/sync/manifest";
import { type TempRepo, tempRepo } from "./repo-fixture";

let repo: TempRepo;
// directory mode keeps its hash cache in the user's cache dir: never the real one in tests
beforeAll(() => {
  process.env.CRABBOX_CACHE_DIR = mkdtempSync(join(tmpdir(), "crabbox-cache-"));
});
const extra: string[] = [];
afterEach(() => {
  repo?.cleanup();
  for (const dir of extra.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const paths = async (root: string, options = {}) =>
  (await buildManifest(root, options)).entries.map((e) => e.path);

describe("buildManifest outside Git (directory mode)", () => {
  it("walks the tree with every .gitignore, the excludes and .crabboxignore, with Git's precedence", async () => {
    repo = tempRepo({ git: false });
    repo.write(".gitignore", "*.log\nbuild/\n!keep.log\n");
    repo.write("app.log", "ignored by the root .gitignore");
    repo.write("keep.log", "re-included by a negation");
    repo.write("build/out.js", "an ignored directory");
    repo.write("src/.gitignore", "generated/\n!important.log\n/local.txt\n");
    repo.write("src/important.log", "a deeper .gitignore overrides its parent");
    repo.write("src/other.log", "still ignored by the root pattern");
    repo.write("src/generated/x.ts", "ignored by the nested .gitignore");
    repo.write("src/local.txt", "anchored to src/");
    repo.write("src/deeper/local.txt", "the anchor does not reach here");
    repo.write("src/main.ts", "kept");
    repo.write("node_modules/pkg/index.js", "default exclude");
    repo.write("notes/private.md", "crabboxignore");
    repo.write(".crabboxignore", "notes\n");
    repo.write("extra.ts", "sync.exclude");
    const manifest = await buildManifest(repo.root, { excludes: ["extra.ts"] });
    expect(manifest.mode).toBe("directory");
    expect(manifest.modeReason).toBe("not inside a Git repository");
    expect(manifest.entries.map((e) => e.path)).toEqual([
      ".crabboxignore",
      ".gitignore",
      "keep.log",
      "src/.gitignore",
      "src/deeper/local.txt",
      "src/important.log",
      "src/main.ts",
    ]);
  });

  it("keeps symlinks as links, never following them out of the tree, with spaces and unicode in names", async () => {
    repo = tempRepo({ git: false });
    const outside = mkdtempSync(join(tmpdir(), "crabbox-outside-"));
    extra.push(outside);
    writeFileSync(join(outside, "secret.txt"), "outside the tree");
    mkdirSync(join(outside, "dir"));
    writeFileSync(join(outside, "dir", "inner.txt"), "never walked");
    repo.write("dir with space/ünïcødé.txt", "ü");
    repo.link("to-outside-file", join(outside, "secret.txt"));
    repo.link("to-outside-dir", join(outside, "dir"));
    repo.link("relative up", "../../etc");
    const manifest = await buildManifest(repo.root);
    const byPath = new Map(manifest.entries.map((e) => [e.path, e]));
    expect([...byPath.keys()]).toEqual([
      "dir with space/ünïcødé.txt",
      "relative up",
      "to-outside-dir",
      "to-outside-file",
    ]);
    expect(byPath.get("to-outside-file")).toMatchObject({
      kind: "symlink",
      target: join(outside, "secret.txt"),
    });
    expect(byPath.get("to-outside-dir")).toMatchObject({ kind: "symlink", size: 0 });
    expect(manifest.bytes).toBe(Buffer.byteLength("ü"));
  });

  it("syncs a directory its repository ignores as a plain tree, and a subdirectory Git covers with Git", async () => {
    repo = tempRepo();
    repo.write(".gitignore", "scratch/\n");
    repo.write("src/a.ts", "tracked");
    repo.write("scratch/notes.txt", "in an ignored directory");
    repo.write("scratch/.gitignore", "*.tmp\n");
    repo.write("scratch/x.tmp", "ignored inside it");
    repo.git("add", "-A");
    repo.git("commit", "-qm", "init");
    const scratch = await buildManifest(join(repo.root, "scratch"));
    expect(scratch.mode).toBe("directory");
    expect(scratch.modeReason).toMatch(/^ignored by the Git repository at /);
    expect(scratch.entries.map((e) => e.path)).toEqual([".gitignore", "notes.txt"]);
    const src = await buildManifest(join(repo.root, "src"));
    expect(src).toMatchObject({ mode: "git", gitTopLevel: repo.root });
    expect(src.entries.map((e) => e.path)).toEqual(["a.ts"]);
  });

  it("walks a Git repository that sits in a subdirectory as files, honouring its .gitignore but not its .git", async () => {
    repo = tempRepo({ git: false });
    repo.write("top.txt", "outside any repository");
    repo.write("project/.gitignore", "secret.env\n");
    repo.write("project/code.ts", "x");
    repo.write("project/secret.env", "TOKEN=1");
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
        cwd: join(repo.root, "project"),
      });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "init");
    const manifest = await buildManifest(repo.root);
    expect(manifest.mode).toBe("directory");
    expect(manifest.entries.map((e) => e.path)).toEqual(["project/.gitignore", "project/code.ts", "top.txt"]);
  });

  it("reuses hashes from a cache outside the tree, so the tree itself is never written to", async () => {
    repo = tempRepo({ git: false });
    repo.write("a.txt", "1");
    const first = await buildManifest(repo.root);
    expect(first.cacheDir?.startsWith(join(process.env.CRABBOX_CACHE_DIR as string, "trees"))).toBe(true);
    expect(existsSync(join(first.cacheDir as string, "hash-cache.json"))).toBe(true);
    expect(readdirSync(repo.root)).toEqual(["a.txt"]);
    expect((await buildManifest(repo.root)).fingerprint).toBe(first.fingerprint);
    expect(await paths(repo.root)).toEqual(["a.txt"]);
  });

  it("names every unreadable path in one error", async () => {
    repo = tempRepo({ git: false });
    repo.write("ok.txt", "fine");
    repo.write("locked.txt", "no", 0o000);
    repo.write("closed/inner.txt", "x");
    chmodSync(join(repo.root, "closed"), 0o000);
    try {
      if (process.getuid?.() !== 0) {
        await expect(buildManifest(repo.root)).rejects.toThrow(
          /cannot read 2 path\(s\) to sync: .*closed\/.*locked\.txt/,
        );
        return;
      }
      // root reads everything whatever the mode bits say: build the manifest as `nobody` instead
      chmodSync(repo.root, 0o755);
      const cache = mkdtempSync(join(tmpdir(), "crabbox-cache-"));
      chmodSync(cache, 0o777);
      // `nobody` may not reach this checkout or its node_modules (a clean clone under a 0700
      // temp dir): bundle the manifest code and copy Node into a directory it can read.
      const runner = mkdtempSync(join(tmpdir(), "crabbox-nobody-"));
      extra.push(runner, cache);
      chmodSync(runner, 0o755);
      const { buildSync } = await import("esbuild");
      buildSync({
        entryPoints: [join(process.cwd(), "src/cli/sync/manifest.ts")],
        bundle: true,
        platform: "node",
        format: "esm",
        outfile: join(runner, "manifest.mjs"),
        logLevel: "silent",
      });
      copyFileSync(process.execPath, join(runner, "node"));
      chmodSync(join(runner, "node"), 0o755);
      writeFileSync(
        join(runner, "run.mjs"),
        [
          `process.env.CRABBOX_CACHE_DIR = ${JSON.stringify(cache)};`,
          'const { buildManifest } = await import("./manifest.mjs");',
          `try { await buildManifest(${JSON.stringify(repo.root)}); console.log("no error"); }`,
          "catch (error) { console.log(error.message); }",
        ].join("\n"),
        { mode: 0o644 },
      );
      const out = execFileSync(
        "setpriv",
        [
          "--reuid=nobody",
          "--regid=nogroup",
          "--clear-groups",
          join(runner, "node"),
          join(runner, "run.mjs"),
        ],
        { encoding: "utf8", cwd: runner, env: { ...process.env, HOME: cache } },
      );
      expect(out).toMatch(/cannot read 2 path\(s\) to sync: closed\/, locked\.txt \(EACCES\)/);
    } finally {
      chmodSync(join(repo.root, "closed"), 0o755);
    }
  });
});
