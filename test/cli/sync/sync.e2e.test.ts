import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildRemoteCommand } from "../../../src/cli/run/remote-command";
import { connectSsh, type SshSession } from "../../../src/cli/ssh/connect";
import { buildManifest } from "../../../src/cli/sync/manifest";
import { syncToRemote } from "../../../src/cli/sync/sync";
import { isCrabboxError } from "../../../src/errors";
import { type OpenSshServer, startOpenSsh, stopAndRemove } from "../../support/openssh";
import { type TempRepo, tempRepo } from "./repo-fixture";
import { dirsOf, treeOf } from "./tree";

let server: OpenSshServer;
let session: SshSession;
let repo: TempRepo;
let workRoot: string;
let counter = 0;

const connect = () =>
  connectSsh({
    host: server.host,
    port: server.port,
    username: server.username,
    privateKey: server.privateKey,
    hostKeyPolicy: "accept-any",
  });

async function sync(options: Partial<Parameters<typeof syncToRemote>[2]> = {}, via: SshSession = session) {
  return await syncToRemote(via, await buildManifest(repo.root), { workRoot, ...options });
}

/** Runs a shell script in the workdir exactly as `crabbox run` starts a command there. */
async function runOnMachine(script: string) {
  const command = buildRemoteCommand({
    workdir: workRoot,
    argv: [script],
    shell: true,
    env: {},
    target: "linux",
  });
  const result = await session.exec(command);
  expect(result.exitCode).toBe(0);
}

function expectMirror() {
  expect(treeOf(workRoot)).toEqual(treeOf(repo.root));
}

beforeAll(async () => {
  process.env.CRABBOX_CACHE_DIR = mkdtempSync(join(tmpdir(), "crabbox-cache-"));
  server = await startOpenSsh();
  session = await connect();
});

afterAll(async () => {
  session?.close();
  if (server) await stopAndRemove(server);
});

beforeEach(() => {
  repo = tempRepo();
  workRoot = join(server.workRoot, `lease-${++counter}`, "repo dir");
});

afterEach(() => repo.cleanup());

describe("syncToRemote against a real OpenSSH server", () => {
  it("mirrors a repository with spaces, unicode, symlinks and executables, leaving excluded files behind", async () => {
    repo.write("README.md", "# hi\n");
    repo.write("dir with space/ünïcødé file.txt", "ü");
    repo.write("scripts/run.sh", "#!/bin/sh\necho run\n", 0o755);
    repo.link("link to readme", "README.md");
    repo.link("scripts/up", "../README.md");
    repo.write("node_modules/big/index.js", "never synced");
    const result = await sync();
    expect(result).toMatchObject({ skipped: false, sentFiles: 5, deleted: 0 });
    expectMirror();
    expect(existsSync(join(workRoot, "node_modules"))).toBe(false);
    expect(readFileSync(join(workRoot, ".crabbox/manifest"), "utf8")).toMatch(
      /^crabbox-sync-state v1 [0-9a-f]{64}\n/,
    );
  });

  it("skips a no-op resync by fingerprint, and sends only the one file that changed", async () => {
    for (let i = 0; i < 50; i++) repo.write(`src/f${i}.ts`, `export const v = ${i};\n`);
    await sync();
    const again = await sync();
    expect(again).toMatchObject({ skipped: true, sentFiles: 0, sentBytes: 0, deleted: 0 });
    expect(again.phases.map((p) => p.name)).toEqual(["snapshot"]);
    repo.write("src/f7.ts", "export const v = 'seven';\n");
    const one = await sync();
    expect(one).toMatchObject({ skipped: false, sentFiles: 1, deleted: 0 });
    expect(one.sentBytes).toBe("export const v = 'seven';\n".length);
    expectMirror();
  });

  it("applies adds, changes, deletes, renames, mode changes and file/directory swaps", async () => {
    repo.write("keep.txt", "keep");
    repo.write("change.txt", "before");
    repo.write("old/deep/name.txt", "moving");
    repo.write("becomes-dir", "file first");
    repo.write("dir-becomes-file/inner.txt", "inner");
    repo.write("tool", "#!/bin/sh\n");
    repo.link("flip", "keep.txt");
    await sync();
    repo.write("change.txt", "after!");
    repo.remove("old");
    repo.write("new/place/name.txt", "moving");
    repo.remove("becomes-dir");
    repo.write("becomes-dir/child.txt", "now a directory");
    repo.remove("dir-becomes-file");
    repo.write("dir-becomes-file", "now a file");
    repo.write("tool", "#!/bin/sh\n", 0o755);
    repo.remove("flip");
    repo.write("flip", "a file now");
    repo.write("added.txt", "new");
    const result = await sync();
    expectMirror();
    // old/deep/name.txt, the file becomes-dir and dir-becomes-file/inner.txt; flip changed kind, so it is resent
    expect(result.deleted).toBe(3);
    expect(dirsOf(workRoot)).not.toContain("old");
    expect(dirsOf(workRoot)).not.toContain("old/deep");
  });

  it("restores a synced file that a run modified, and leaves the machine's own files alone", async () => {
    repo.write("src/a.ts", "original");
    await sync();
    await runOnMachine(
      "printf 'edited on the machine' > src/a.ts && mkdir -p build && printf gen > build/out.js",
    );
    const result = await sync();
    expect(result).toMatchObject({ skipped: false, sentFiles: 1, drifted: 1, deleted: 0, walked: true });
    expect(readFileSync(join(workRoot, "src/a.ts"), "utf8")).toBe("original");
    expect(readFileSync(join(workRoot, "build/out.js"), "utf8")).toBe("gen");
    expect((await sync()).skipped).toBe(true);
  });

  it("skips the drift walk right after its own apply, and walks again once a run has been in the workdir", async () => {
    repo.write("src/a.ts", "original");
    await sync();
    expect(await sync()).toMatchObject({ skipped: true, walked: false });
    await runOnMachine("true");
    expect(await sync()).toMatchObject({ skipped: true, walked: true });
    // a skip that walked vouches for nothing: the next sync walks again
    expect(await sync()).toMatchObject({ skipped: true, walked: true });
    // a state written by someone who does not know the marker (older clients) makes it stale
    writeFileSync(join(workRoot, ".crabbox/clean"), "");
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(workRoot, ".crabbox/clean"), past, past);
    expect(await sync()).toMatchObject({ walked: true });
  });

  it("refuses a mass deletion without changing anything, and applies it when allowed", async () => {
    for (let i = 0; i < 20; i++) repo.write(`f${i}.txt`, `${i}`);
    await sync();
    for (let i = 0; i < 15; i++) repo.remove(`f${i}.txt`);
    try {
      await sync();
      expect.unreachable();
    } catch (error) {
      expect(isCrabboxError(error) && error.code).toBe("sync_failed");
      expect((error as Error).message).toMatch(/would delete 15 of 20 files.*--allow-mass-deletions /);
    }
    expect(existsSync(join(workRoot, "f0.txt"))).toBe(true);
    const result = await sync({ allowMassDelete: true });
    expect(result.deleted).toBe(15);
    expectMirror();
  });

  it("deletes hundreds of files whose list is too long for one command line", async () => {
    const long =
      "a-rather-long-directory-name-to-grow-the-deletion-list-well-past-what-one-command-line-should-carry";
    for (let i = 0; i < 900; i++) repo.write(`${long}/file-number-${i}.txt`, "");
    repo.write("stay.txt", "stay");
    await sync();
    repo.remove(long);
    const result = await sync({ allowMassDelete: true });
    expect(result.deleted).toBe(900);
    expect(result.phases.map((p) => p.name)).toContain("delete");
    expectMirror();
    expect(dirsOf(workRoot)).toEqual([]);
  });

  it("converges after the connection drops in the middle of an upload", async () => {
    for (let i = 0; i < 24; i++) repo.write(`blob/${i}.bin`, Buffer.alloc(512 * 1024, i));
    repo.write("a.txt", "a");
    await sync();
    for (let i = 0; i < 24; i++) repo.write(`blob/${i}.bin`, Buffer.alloc(512 * 1024, 100 + i));
    repo.remove("a.txt");
    let dropped = false;
    const attempt = sync({
      onProgress: (bytes) => {
        if (!dropped && bytes > 3 * 1024 * 1024) {
          dropped = true;
          void server.stop();
        }
      },
    });
    await expect(attempt).rejects.toSatisfy(isCrabboxError);
    expect(dropped).toBe(true);
    expect(treeOf(workRoot)).not.toEqual(treeOf(repo.root));
    await server.restart();
    session = await connect();
    const retry = await sync();
    expect(retry.skipped).toBe(false);
    expectMirror();
    expect((await sync()).skipped).toBe(true);
  });

  it("reconnects and finishes on its own when given a way to reconnect", async () => {
    for (let i = 0; i < 16; i++) repo.write(`blob/${i}.bin`, Buffer.alloc(512 * 1024, i));
    let restarted: Promise<void> | undefined;
    const result = await sync({
      reconnect: async () => {
        await restarted;
        session = await connect();
        return session;
      },
      onProgress: (bytes) => {
        if (!restarted && bytes > 2 * 1024 * 1024) restarted = server.stop().then(() => server.restart());
      },
    });
    expect(restarted).toBeDefined();
    expect(result.skipped).toBe(false);
    expectMirror();
  });
});

describe("syncToRemote with a manifest still being built", () => {
  it("overlaps the snapshot with hashing and produces the same mirror", async () => {
    repo.write("a.txt", "a");
    repo.write("b/c.txt", "c");
    const result = await syncToRemote(session, buildManifest(repo.root), { workRoot });
    expect(result.sentFiles).toBe(2);
    expectMirror();
    expect((await syncToRemote(session, buildManifest(repo.root), { workRoot })).skipped).toBe(true);
  });

  it("fails with the manifest's guard error and leaves the machine untouched", async () => {
    for (let i = 0; i < 5; i++) repo.write(`f${i}.txt`, `${i}`);
    await expect(
      syncToRemote(session, buildManifest(repo.root, { maxFiles: 2 }), { workRoot }),
    ).rejects.toMatchObject({
      code: "sync_failed",
    });
    expect(existsSync(workRoot)).toBe(false);
  });
});

describe("syncToRemote when the machine refuses the upload", () => {
  it("fails promptly with the remote error instead of waiting for the stream to drain", async () => {
    for (let i = 0; i < 12; i++) repo.write(`big/${i}.bin`, Buffer.alloc(1024 * 1024, i));
    const blocker = join(server.workRoot, `not-a-dir-${Date.now()}`);
    writeFileSync(blocker, "a file where the work directory should be");
    const started = Date.now();
    try {
      await syncToRemote(session, await buildManifest(repo.root), { workRoot: join(blocker, "repo") });
      expect.unreachable();
    } catch (error) {
      expect(isCrabboxError(error) && error.code).toBe("sync_failed");
      expect((error as Error).message).toMatch(/remote (snapshot|apply) failed/);
    }
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(session.isOpen()).toBe(true);
  });
});
