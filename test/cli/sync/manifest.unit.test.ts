import { readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildManifest } from "../../../src/cli/sync/manifest";
import { type TempRepo, tempRepo } from "./repo-fixture";

let repo: TempRepo;
afterEach(() => repo?.cleanup());

const paths = async (root: string, options = {}) =>
  (await buildManifest(root, options)).entries.map((e) => e.path);

describe("buildManifest", () => {
  it("lists tracked and untracked files but not ignored or excluded ones", async () => {
    repo = tempRepo();
    repo.write(".gitignore", "*.tmp\n");
    repo.write("tracked.ts", "a");
    repo.git("add", ".");
    repo.git("commit", "-qm", "init");
    repo.write("untracked.ts", "b");
    repo.write("ignored.tmp", "c");
    repo.write("node_modules/pkg/index.js", "d");
    repo.write("dist/out.js", "e");
    repo.write("notes/private.md", "f");
    repo.write(".crabboxignore", "# comment\nnotes\n");
    repo.write(".crabbox/manifest", "the repo may not shadow the engine's state");
    expect(await paths(repo.root, { excludes: ["extra.ts"] })).toEqual([
      ".crabboxignore",
      ".gitignore",
      "tracked.ts",
      "untracked.ts",
    ]);
  });

  it("records symlinks as links, executable bits, sizes and content hashes", async () => {
    repo = tempRepo();
    repo.write("bin/run.sh", "#!/bin/sh\n", 0o755);
    repo.write("data.txt", "hello");
    repo.link("link-to-data", "data.txt");
    repo.link("dangling", "does/not/exist");
    const manifest = await buildManifest(repo.root);
    const byPath = new Map(manifest.entries.map((e) => [e.path, e]));
    expect(byPath.get("bin/run.sh")?.mode).toBe(0o755);
    expect(byPath.get("data.txt")).toMatchObject({ kind: "file", mode: 0o644, size: 5 });
    expect(byPath.get("data.txt")?.hash).toBe(
      "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    );
    expect(byPath.get("link-to-data")).toMatchObject({ kind: "symlink", target: "data.txt" });
    expect(byPath.get("dangling")).toMatchObject({ kind: "symlink", target: "does/not/exist" });
    expect(manifest.bytes).toBe("#!/bin/sh\n".length + 5);
  });

  it("handles names with spaces and unicode, sorted", async () => {
    repo = tempRepo();
    repo.write("b dir/ünï cødé.txt", "x");
    repo.write("a.txt", "y");
    expect(await paths(repo.root)).toEqual(["a.txt", "b dir/ünï cødé.txt"]);
  });

  it("leaves out tracked files deleted from the working tree", async () => {
    repo = tempRepo();
    repo.write("keep.txt", "1");
    repo.write("gone.txt", "2");
    repo.git("add", ".");
    repo.git("commit", "-qm", "init");
    repo.remove("gone.txt");
    expect(await paths(repo.root)).toEqual(["keep.txt"]);
  });

  it("changes the fingerprint when content, mode or the file set changes, and only then", async () => {
    repo = tempRepo();
    repo.write("a.txt", "1");
    const first = (await buildManifest(repo.root)).fingerprint;
    expect((await buildManifest(repo.root)).fingerprint).toBe(first);
    repo.write("a.txt", "2");
    const second = (await buildManifest(repo.root)).fingerprint;
    expect(second).not.toBe(first);
    repo.write("a.txt", "2", 0o755);
    expect((await buildManifest(repo.root)).fingerprint).not.toBe(second);
  });

  it("reuses cached hashes for untouched files but never misses a same-size edit", async () => {
    repo = tempRepo();
    repo.write("a.txt", "aaaa");
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(repo.root, "a.txt"), old, old);
    const first = await buildManifest(repo.root);
    const cache = JSON.parse(readFileSync(join(repo.root, ".git/crabbox/hash-cache.json"), "utf8"));
    const row = cache.entries.find((r: unknown[]) => r[0] === "a.txt");
    expect(row[5]).toBe(first.entries[0]?.hash);
    // same size, new content: the mtime/ctime move, so the cache entry no longer applies
    writeFileSync(join(repo.root, "a.txt"), "bbbb");
    const second = await buildManifest(repo.root);
    expect(second.entries[0]?.hash).not.toBe(first.entries[0]?.hash);
    expect(second.entries[0]?.hash).toBe("81cc5b17018674b401b42f35ba07bb79e211239c23bffe658da1577e3e646877");
  });

  it("refuses a huge candidate unless told it is fine", async () => {
    repo = tempRepo();
    for (let i = 0; i < 5; i++) repo.write(`gen/f${i}.bin`, Buffer.alloc(1000));
    await expect(buildManifest(repo.root, { maxFiles: 3 })).rejects.toMatchObject({ code: "sync_failed" });
    await expect(buildManifest(repo.root, { maxBytes: 4000 })).rejects.toThrow(/gen \(5 files/);
    expect((await buildManifest(repo.root, { maxFiles: 3, allowLarge: true })).files).toBe(5);
  });
});
