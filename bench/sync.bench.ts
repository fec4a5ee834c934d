/**
 * Sync benchmark: crabbox's manifest + tar-over-ssh2 sync against `rsync -a --delete` over the
 * same real OpenSSH server on loopback, in the same run. Two generated Git repositories:
 *
 * - small: 5,000 files (~114 MB, mixed sizes): cold sync (empty machine, empty local caches),
 *   no-change resync, one-file change;
 * - small-dir: the same tree without `.git` (directory mode; `BENCH_NON_GIT=0` skips it):
 *   no-change and one-file against the same targets;
 * - large: 50,000 small files (`BENCH_LARGE_FILES`, 0 skips it): no-change and one-file, which
 *   must cost about the same as on the small tree (a fixed cost, not a per-file one).
 *
 *   npm run bench:sync            (BENCH_RUNS=5 for more repetitions, BENCH_VERBOSE=1 for phases)
 *
 * Crabbox times are what `crabbox run` pays for the sync step: manifest build + sync on the SSH
 * session that the readiness wait already opened. rsync necessarily includes its own ssh
 * handshake, so the handshake of our ssh2 session is measured and printed as well, along with
 * the floors: one exec on an open ssh2 session and a bare OpenSSH `ssh … true`.
 *
 * The server runs with `SetEnv HOME=<empty dir>`: the login shell then reads no rc files, as on a
 * freshly provisioned machine. Without it, every exec on a development container pays whatever
 * that account's `~/.bashrc` does (bash sources it for ssh commands) — on the machine these
 * numbers came from, `pyenv init` at ~240 ms per exec — which both tools would pay but which
 * says nothing about either. See docs/sync.md.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  type Dirent,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { connectSsh, type SshSession } from "../src/cli/ssh/connect";
import { buildManifest } from "../src/cli/sync/manifest";
import { syncToRemote } from "../src/cli/sync/sync";
import { startOpenSsh, stopAndRemove } from "../test/support/openssh";

const RUNS = Number(process.env.BENCH_RUNS ?? 4);
const SMALL_FILES = 5000;
const LARGE_FILES = Number(process.env.BENCH_LARGE_FILES ?? 50_000);
const VERBOSE = Boolean(process.env.BENCH_VERBOSE);
/** The small tree again as a plain directory (no `.git`): directory mode's walk instead of git's listing. */
const NON_GIT = process.env.BENCH_NON_GIT !== "0";
const TARGETS: Record<Scenario, number> = { cold: 1.0, "no-change": 0.2, "one-file": 0.3 };

type Scenario = "cold" | "no-change" | "one-file";

interface Repo {
  name: string;
  root: string;
  files: number;
  bytes: number;
  /** The file the one-file scenario edits. */
  editPath: string;
}

function commit(root: string): void {
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], {
      cwd: root,
      stdio: "pipe",
    });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "bench");
}

function content(i: number, size: number): Buffer {
  // half text-like (compressible), half random (incompressible)
  return i % 2 === 0
    ? Buffer.from(`// file ${i}\n${"export const value = 42;\n".repeat(Math.ceil(size / 24))}`).subarray(
        0,
        size,
      )
    : randomBytes(size);
}

/**
 * 5,000 files with mixed sizes like a real source tree: mostly small, some medium, a few large
 * assets. `git: false` leaves it a plain directory (directory mode, issue 21).
 */
function generateSmall(git = true): Repo {
  const root = mkdtempSync(join(tmpdir(), "crabbox-bench-repo-"));
  let bytes = 0;
  for (let i = 0; i < SMALL_FILES; i++) {
    const size =
      i % 50 === 0
        ? 300_000 + (i % 7) * 40_000
        : i % 5 === 0
          ? 40_000 + (i % 11) * 4_000
          : 1_000 + (i % 13) * 600;
    const path = join(
      root,
      `pkg${i % 20}`,
      `module${i % 97}`,
      `file-${i}.${i % 3 === 0 ? "ts" : i % 3 === 1 ? "json" : "bin"}`,
    );
    mkdirSync(dirname(path), { recursive: true });
    const data = content(i, size);
    writeFileSync(path, data);
    bytes += data.length;
  }
  if (git) commit(root);
  return {
    name: git ? "small" : "small-dir",
    root,
    files: SMALL_FILES,
    bytes,
    editPath: join(root, "pkg3", "module3", "file-3.ts"),
  };
}

/** Many small files, 25 to a directory (a monorepo's sources). */
function generateLarge(files: number): Repo {
  const root = mkdtempSync(join(tmpdir(), "crabbox-bench-large-"));
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const dir = join(root, `pkg${Math.floor(i / 2500)}`, `dir${Math.floor(i / 25) % 100}`);
    if (i % 25 === 0) mkdirSync(dir, { recursive: true });
    const data = content(i, 300 + (i % 17) * 180);
    writeFileSync(join(dir, `file-${i}.ts`), data);
    bytes += data.length;
  }
  commit(root);
  return { name: "large", root, files, bytes, editPath: join(root, "pkg0", "dir3", "file-75.ts") };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * The local floor of any change detection that does not watch the filesystem: Git's listing of
 * the tree plus one lstat per file (what both tools must do before they know nothing changed).
 */
function localFloor(repo: Repo): { listMs: number; lstatMs: number } {
  let started = performance.now();
  const paths = existsSync(join(repo.root, ".git"))
    ? execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
        cwd: repo.root,
        maxBuffer: 1 << 30,
      })
        .toString("utf8")
        .split("\0")
        .filter(Boolean)
    : (readdirSync(repo.root, { recursive: true, withFileTypes: true }) as Dirent[])
        .filter((entry) => entry.isFile())
        .map((entry) => `${entry.parentPath.slice(repo.root.length + 1)}/${entry.name}`);
  const listMs = performance.now() - started;
  started = performance.now();
  for (const path of paths) lstatSync(`${repo.root}/${path}`);
  return { listMs, lstatMs: performance.now() - started };
}

function flush(): void {
  execFileSync("sync");
}

async function main() {
  const loadBefore = loadavg()[0] ?? 0;
  const t0 = Date.now();
  const repos = [
    generateSmall(),
    ...(NON_GIT ? [generateSmall(false)] : []),
    ...(LARGE_FILES > 0 ? [generateLarge(LARGE_FILES)] : []),
  ];
  for (const repo of repos)
    process.stderr.write(
      `generated ${repo.name}: ${repo.files} files, ${(repo.bytes / 1e6).toFixed(1)} MB\n`,
    );
  process.stderr.write(`generation took ${Date.now() - t0} ms\n`);
  process.env.CRABBOX_CACHE_DIR = mkdtempSync(join(tmpdir(), "crabbox-bench-cache-"));
  const home = mkdtempSync(join(tmpdir(), "crabbox-bench-home-"));
  const server = await startOpenSsh({ extraConfig: [`SetEnv HOME=${home}`] });
  const sshArgs = [
    "-p",
    String(server.port),
    "-i",
    server.privateKeyPath,
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "LogLevel=ERROR",
  ];
  const destination = `${server.username}@127.0.0.1`;

  const handshakes: number[] = [];
  const connect = async (): Promise<SshSession> => {
    const started = performance.now();
    const session = await connectSsh({
      host: server.host,
      port: server.port,
      username: server.username,
      privateKey: server.privateKey,
      hostKeyPolicy: "accept-any",
    });
    handshakes.push(performance.now() - started);
    return session;
  };
  let session = await connect();

  // Floors: what one remote round trip costs at best, with each tool's transport.
  const execFloor: number[] = [];
  const sshFloor: number[] = [];
  for (let i = 0; i < 5; i++) {
    let started = performance.now();
    await session.exec("true");
    execFloor.push(performance.now() - started);
    started = performance.now();
    const bare = spawnSync("ssh", [...sshArgs, destination, "true"], { stdio: "ignore" });
    if (bare.status !== 0) throw new Error("bare ssh true failed");
    sshFloor.push(performance.now() - started);
  }

  const rows: string[] = [];
  let allMet = true;
  for (const repo of repos) {
    const ours = join(server.workRoot, `crabbox-${repo.name}`);
    const theirs = join(server.workRoot, `rsync-${repo.name}`);
    const rsync = (): number => {
      const started = performance.now();
      const result = spawnSync(
        "rsync",
        [
          "-a",
          "--delete",
          "--exclude=/.git",
          "-e",
          ["ssh", ...sshArgs].join(" "),
          `${repo.root}/`,
          `${destination}:${theirs}/`,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      if (result.status !== 0) throw new Error(`rsync failed: ${result.stderr}`);
      return performance.now() - started;
    };
    const crabbox = async (): Promise<{ ms: number; sentFiles: number; skipped: boolean }> => {
      const started = performance.now();
      // The manifest is handed over while it is still being built: the snapshot overlaps with it.
      const result = await syncToRemote(session, buildManifest(repo.root, { maxFiles: 0 }), {
        workRoot: ours,
      });
      const ms = performance.now() - started;
      if (VERBOSE) {
        const phases = result.phases.map((p) => `${p.name}=${p.ms}`).join(" ");
        process.stderr.write(
          `  ${repo.name} crabbox ${ms.toFixed(0)} ms: ${phases} sent=${result.sentFiles}\n`,
        );
      }
      return { ms, sentFiles: result.sentFiles, skipped: result.skipped };
    };
    const coldCrabbox = async () => {
      rmSync(ours, { recursive: true, force: true });
      rmSync(join(repo.root, ".git", "crabbox"), { recursive: true, force: true });
      rmSync(process.env.CRABBOX_CACHE_DIR as string, { recursive: true, force: true });
      flush();
      return await crabbox();
    };
    const coldRsync = () => {
      rmSync(theirs, { recursive: true, force: true });
      flush();
      return rsync();
    };

    const results: Record<Scenario, { crabbox: number[]; rsync: number[] }> = {
      cold: { crabbox: [], rsync: [] },
      "no-change": { crabbox: [], rsync: [] },
      "one-file": { crabbox: [], rsync: [] },
    };
    // The large tree's cold sync is timed once (setting it up is the point, not a target).
    const coldRounds = repo.name === "small" ? RUNS : 1;
    const coldCounts = repo.name === "small";
    for (let round = 0; round < RUNS; round++) {
      // Alternate who goes first, and flush dirty pages before each timed step, so that neither
      // side pays for the other's disk writeback.
      const rsyncFirst = round % 2 === 1;
      const pair = async (
        oursFn: () => Promise<{ ms: number; sentFiles: number; skipped: boolean }>,
        rsyncFn: () => number,
      ) => {
        if (rsyncFirst) {
          flush();
          const rsyncMs = rsyncFn();
          flush();
          return { rsync: rsyncMs, ours: await oursFn() };
        }
        flush();
        const oursResult = await oursFn();
        flush();
        return { ours: oursResult, rsync: rsyncFn() };
      };
      if (round < coldRounds) {
        // cold: empty machine directories, no local caches, a fresh SSH session (not timed)
        session.close();
        session = await connect();
        const cold = await pair(coldCrabbox, coldRsync);
        if (cold.ours.sentFiles !== repo.files)
          throw new Error(`cold sync sent ${cold.ours.sentFiles} files`);
        results.cold.crabbox.push(cold.ours.ms);
        results.cold.rsync.push(cold.rsync);
      }

      const same = await pair(crabbox, rsync);
      if (!same.ours.skipped) throw new Error("no-change resync was not skipped");
      results["no-change"].crabbox.push(same.ours.ms);
      results["no-change"].rsync.push(same.rsync);

      writeFileSync(repo.editPath, `// edit ${round} ${Date.now()}\n`);
      const one = await pair(crabbox, rsync);
      if (one.ours.sentFiles !== 1) throw new Error(`one-file change sent ${one.ours.sentFiles} files`);
      results["one-file"].crabbox.push(one.ours.ms);
      results["one-file"].rsync.push(one.rsync);
      process.stderr.write(`${repo.name} round ${round + 1}/${RUNS} done\n`);
    }

    // Both copies must hold the same tree.
    const diff = spawnSync("diff", ["-r", "--no-dereference", "-x", ".crabbox", ours, theirs], {
      encoding: "utf8",
    });
    if (diff.status !== 0) throw new Error(`crabbox and rsync copies differ:\n${diff.stdout.slice(0, 2000)}`);

    const floors = [localFloor(repo), localFloor(repo), localFloor(repo)];
    rows.push(
      `${repo.name}: ${repo.files} files, ${(repo.bytes / 1e6).toFixed(1)} MB; local floor: listing (${repo.name === "small-dir" ? "readdir walk" : "git ls-files"}) ${median(floors.map((f) => f.listMs)).toFixed(0)} ms + lstat of every file ${median(floors.map((f) => f.lstatMs)).toFixed(0)} ms`,
    );
    for (const scenario of ["cold", "no-change", "one-file"] as const) {
      const { crabbox: ourTimes, rsync: rsyncTimes } = results[scenario];
      if (ourTimes.length === 0) continue;
      const ourMs = median(ourTimes);
      const rsyncMs = median(rsyncTimes);
      const ratio = ourMs / rsyncMs;
      const best = Math.min(...ourTimes) / Math.min(...rsyncTimes);
      const target = TARGETS[scenario];
      const counts = scenario !== "cold" || coldCounts;
      const met = ratio <= target;
      if (counts) allMet &&= met;
      const verdict = counts ? `target ≤ ${target}x ${met ? "met" : "MISSED"}` : "informational";
      rows.push(
        `  ${scenario.padEnd(10)} crabbox ${ourMs.toFixed(0).padStart(6)} ms   rsync ${rsyncMs.toFixed(0).padStart(6)} ms   ratio ${ratio.toFixed(2)}x (${verdict})   best-of ${best.toFixed(2)}x   n=${ourTimes.length}`,
      );
    }
  }
  session.close();

  const handshake = median(handshakes);
  process.stdout.write(
    [
      `sync benchmark: real OpenSSH on 127.0.0.1, medians of ${RUNS} rounds, load average ${loadBefore.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}`,
      `floors: one exec on an open ssh2 session ${median(execFloor).toFixed(0)} ms; bare OpenSSH \`ssh … true\` ${median(sshFloor).toFixed(0)} ms; ssh2 handshake ${handshake.toFixed(0)} ms (not in crabbox times: the run flow reuses the readiness session)`,
      ...rows,
      allMet ? "all targets met" : "some targets missed",
      "",
    ].join("\n"),
  );
  await stopAndRemove(server);
  for (const repo of repos) rmSync(repo.root, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}

await main();
