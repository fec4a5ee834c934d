/**
 * Sync benchmark: crabbox's manifest + tar-over-ssh2 sync against `rsync -a --delete` over the
 * same real OpenSSH server on loopback, in the same run, on a generated repository of 5,000
 * files (~100 MB, mixed sizes). Scenarios: cold sync (empty machine, empty local hash cache),
 * no-change resync, one-file change. Prints medians and ratios against the targets.
 *
 *   npm run bench:sync            (BENCH_RUNS=5 for more repetitions)
 *
 * Crabbox times are what `crabbox run` pays for the sync step: manifest build + sync on the SSH
 * session that the readiness wait already opened. rsync necessarily includes its own ssh
 * handshake, so the handshake of our ssh2 session is measured and printed as well, along with
 * the ratios including it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { connectSsh, type SshSession } from "../src/cli/ssh/connect";
import { buildManifest } from "../src/cli/sync/manifest";
import { syncToRemote } from "../src/cli/sync/sync";
import { startOpenSsh, stopAndRemove } from "../test/support/openssh";

const RUNS = Number(process.env.BENCH_RUNS ?? 4);
const FILES = 5000;

function generateRepo(): { root: string; bytes: number } {
  const root = mkdtempSync(join(tmpdir(), "crabbox-bench-repo-"));
  let bytes = 0;
  // Mixed sizes like a real source tree: mostly small files, some medium, a few large assets.
  for (let i = 0; i < FILES; i++) {
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
    // half text-like (compressible), half random (incompressible)
    const content =
      i % 2 === 0
        ? Buffer.from(`// file ${i}\n${"export const value = 42;\n".repeat(Math.ceil(size / 24))}`).subarray(
            0,
            size,
          )
        : randomBytes(size);
    writeFileSync(path, content);
    bytes += content.length;
  }
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], {
      cwd: root,
      stdio: "pipe",
    });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "bench");
  return { root, bytes };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main() {
  const t0 = Date.now();
  const repo = generateRepo();
  process.stderr.write(
    `generated ${FILES} files, ${(repo.bytes / 1e6).toFixed(1)} MB in ${Date.now() - t0} ms\n`,
  );
  process.env.CRABBOX_CACHE_DIR = mkdtempSync(join(tmpdir(), "crabbox-bench-cache-"));
  const server = await startOpenSsh();
  const ours = join(server.workRoot, "crabbox");
  const theirs = join(server.workRoot, "rsync");
  const sshCommand = [
    "ssh",
    `-p ${server.port}`,
    `-i ${server.privateKeyPath}`,
    "-o StrictHostKeyChecking=no",
    "-o UserKnownHostsFile=/dev/null",
    "-o BatchMode=yes",
    "-o LogLevel=ERROR",
  ].join(" ");

  const rsync = (): number => {
    const started = performance.now();
    const result = spawnSync(
      "rsync",
      [
        "-a",
        "--delete",
        "--exclude=/.git",
        "-e",
        sshCommand,
        `${repo.root}/`,
        `${server.username}@127.0.0.1:${theirs}/`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    if (result.status !== 0) throw new Error(`rsync failed: ${result.stderr}`);
    return performance.now() - started;
  };

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

  const crabbox = async (): Promise<{ ms: number; sentFiles: number; skipped: boolean }> => {
    const started = performance.now();
    // The manifest is handed over while it is still being built: the snapshot overlaps with hashing.
    const result = await syncToRemote(session, buildManifest(repo.root), { workRoot: ours });
    if (process.env.BENCH_VERBOSE) {
      const phases = result.phases.map((p) => `${p.name}=${p.ms}`).join(" ");
      process.stderr.write(`  crabbox ${phases} sent=${result.sentFiles}\n`);
    }
    return { ms: performance.now() - started, sentFiles: result.sentFiles, skipped: result.skipped };
  };

  const results: Record<string, { crabbox: number[]; rsync: number[]; note: string }> = {
    cold: { crabbox: [], rsync: [], note: "" },
    "no-change": { crabbox: [], rsync: [], note: "" },
    "one-file": { crabbox: [], rsync: [], note: "" },
  };
  const touchOne = (round: number) =>
    writeFileSync(join(repo.root, "pkg3", "module3", "file-3.ts"), `// edit ${round} ${Date.now()}\n`);

  for (let round = 0; round < RUNS; round++) {
    // cold: empty machine directories, no local hash cache, a fresh SSH session (not timed)
    session.close();
    session = await connect();
    // Alternate who goes first, and flush dirty pages before each timed step, so that neither
    // side pays for the other's disk writeback.
    const rsyncFirst = round % 2 === 1;
    const timed = async <T>(fn: () => Promise<T> | T): Promise<T> => {
      execFileSync("sync");
      return await fn();
    };
    const pair = async <T>(ours: () => Promise<T>): Promise<{ ours: T; rsync: number }> => {
      if (rsyncFirst) {
        const rsyncMs = await timed(rsync);
        return { rsync: rsyncMs, ours: await timed(ours) };
      }
      const oursResult = await timed(ours);
      return { ours: oursResult, rsync: await timed(rsync) };
    };
    // Each side's cold start is prepared (old tree deleted, caches dropped) right before its own
    // timed run and after a flush, so the kernel's deferred work for one deletion never lands on
    // the other side's clock.
    const coldCrabbox = async () => {
      rmSync(ours, { recursive: true, force: true });
      rmSync(join(repo.root, ".git", "crabbox"), { recursive: true, force: true });
      rmSync(process.env.CRABBOX_CACHE_DIR as string, { recursive: true, force: true });
      execFileSync("sync");
      return await crabbox();
    };
    const coldRsync = () => {
      rmSync(theirs, { recursive: true, force: true });
      execFileSync("sync");
      return rsync();
    };
    const cold = rsyncFirst
      ? await (async () => {
          const rsyncMs = coldRsync();
          return { rsync: rsyncMs, ours: await coldCrabbox() };
        })()
      : await (async () => {
          const oursResult = await coldCrabbox();
          return { ours: oursResult, rsync: coldRsync() };
        })();
    if (cold.ours.sentFiles !== FILES) throw new Error(`cold sync sent ${cold.ours.sentFiles} files`);
    results.cold?.crabbox.push(cold.ours.ms);
    results.cold?.rsync.push(cold.rsync);

    const same = await pair(crabbox);
    if (!same.ours.skipped) throw new Error("no-change resync was not skipped");
    results["no-change"]?.crabbox.push(same.ours.ms);
    results["no-change"]?.rsync.push(same.rsync);

    touchOne(round);
    const one = await pair(crabbox);
    if (one.ours.sentFiles !== 1) throw new Error(`one-file change sent ${one.ours.sentFiles} files`);
    results["one-file"]?.crabbox.push(one.ours.ms);
    results["one-file"]?.rsync.push(one.rsync);
    if (process.env.BENCH_VERBOSE) {
      process.stderr.write(
        `  rsync cold=${cold.rsync.toFixed(0)} no-change=${same.rsync.toFixed(0)} one-file=${one.rsync.toFixed(0)}\n`,
      );
    }
    process.stderr.write(`round ${round + 1}/${RUNS} done\n`);
  }
  session.close();

  // Both copies must hold the same tree.
  const diff = spawnSync("diff", ["-r", "--no-dereference", "-x", ".crabbox", ours, theirs], {
    encoding: "utf8",
  });
  if (diff.status !== 0) throw new Error(`crabbox and rsync copies differ:\n${diff.stdout.slice(0, 2000)}`);

  const handshake = median(handshakes);
  const targets: Record<string, number> = { cold: 1.5, "no-change": 0.5, "one-file": 1.0 };
  const rows: string[] = [];
  let allMet = true;
  for (const [name, { crabbox: ourTimes, rsync: rsyncTimes }] of Object.entries(results)) {
    const ourMs = median(ourTimes);
    const rsyncMs = median(rsyncTimes);
    const best = `best-of ${(Math.min(...ourTimes) / Math.min(...rsyncTimes)).toFixed(2)}x`;
    const ratio = ourMs / rsyncMs;
    const withHandshake = (ourMs + handshake) / rsyncMs;
    const target = targets[name] as number;
    const met = ratio <= target;
    allMet &&= met;
    rows.push(
      `${name.padEnd(10)} crabbox ${ourMs.toFixed(0).padStart(6)} ms   rsync ${rsyncMs.toFixed(0).padStart(6)} ms   ratio ${ratio.toFixed(2)}x (target ≤ ${target}x ${met ? "met" : "MISSED"})   incl. ssh2 handshake ${withHandshake.toFixed(2)}x   ${best}`,
    );
  }
  process.stdout.write(
    [
      `sync benchmark: ${FILES} files, ${(repo.bytes / 1e6).toFixed(1)} MB, real OpenSSH on 127.0.0.1, medians of ${RUNS} runs`,
      `ssh2 handshake (not part of crabbox times; the run flow reuses the readiness session): ${handshake.toFixed(0)} ms`,
      ...rows,
      allMet ? "all targets met" : "some targets missed",
      "",
    ].join("\n"),
  );
  await stopAndRemove(server);
  rmSync(repo.root, { recursive: true, force: true });
}

await main();
