#!/usr/bin/env node
/**
 * `npm run bench:pool` (issue 18): time from starting `crabbox run -- sh -c 'echo …'` to its
 * first output line, with a ready pool (docs/api.md#ready-pools) vs a fresh create, through the
 * real built CLI (bin/crabbox.js) against two local stacks side by side. Both stacks give local
 * machines the same simulated boot time (`CRABBOX_LOCAL_BOOTSTRAP_MS`, docs/local-machines.md;
 * BENCH_BOOT_MS, default 5000), the stand-in for a cloud machine's create and boot; only the
 * warm one has `CRABBOX_POOLS` with one ready machine. Runs alternate cold and warm,
 * BENCH_RUNS times (default 3); before each warm run the bench waits until the pool is ready
 * again (a claimed machine is deleted after its lease, never returned).
 *
 * Each stack is `crabbox dev` in the foreground in its own temporary state, config and cache
 * directory on a free port, so the bench never touches the user's stack; both are stopped
 * (SIGINT) at the end.
 *
 *   npm run bench:pool        (BENCH_RUNS=5, BENCH_BOOT_MS=8000, BENCH_KEEP=1 keeps the temp dir)
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../bin/crabbox.js", import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BOOT_MS = Number(process.env.BENCH_BOOT_MS ?? 5000);
const TARGETS = { warmMs: 1000, speedup: 10 };
const pool = { provider: "local", class: "beast", min: 1, max: 1, maxReadyAgeSeconds: 3600 };

const temp = mkdtempSync(join(tmpdir(), "crabbox-pool-bench-"));
const load = () => loadavg()[0].toFixed(2);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function stackEnv(name, extra) {
  const env = {
    ...process.env,
    CRABBOX_STATE_DIR: join(temp, name, "state"),
    CRABBOX_CONFIG_DIR: join(temp, name, "config"),
    CRABBOX_CACHE_DIR: join(temp, name, "cache"),
    CRABBOX_PORT: String(await freePort()),
    CRABBOX_LOCAL_BOOTSTRAP_MS: String(BOOT_MS),
    CI: "bench",
    ...extra,
  };
  for (const inherited of ["CRABBOX_COORDINATOR", "CRABBOX_PROVIDER", "CRABBOX_POOLS", "CRABBOX_TOKEN"])
    if (!(inherited in extra)) delete env[inherited];
  return env;
}

/** `crabbox dev` in the foreground; resolves once it says it is listening. */
function startStack(env) {
  const child = spawn(process.execPath, [bin, "dev"], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  return new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk) => {
      stderr += chunk.toString();
      if (/press Ctrl-C to stop/.test(stderr)) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`crabbox dev exited ${code}:\n${stderr}`)));
  });
}

async function stopStack(child) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGINT");
  await exited;
}

function crabboxSync(env, cwd, ...args) {
  const r = spawnSync(process.execPath, [bin, ...args], { env, cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`crabbox ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const poolMachines = (env, cwd) =>
  JSON.parse(crabboxSync(env, cwd, "admin", "pool", "--json")).pools[0].machines;

/** Waits (polling `crabbox admin pool --json`) until the pool has a ready machine; its id. */
async function untilPoolReady(env, cwd) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ready = poolMachines(env, cwd).find((m) => m.state === "ready");
    if (ready) return ready.id;
    if (Date.now() > deadline) throw new Error("the pool never became ready in 120 s");
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `crabbox run [flags] -- sh -c 'echo …'`: ms from spawn to the first output line, and to exit. */
function timedRun(env, cwd, flags) {
  const marker = `first-line-${Math.random().toString(36).slice(2)}`;
  const started = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - started) / 1e6;
  const child = spawn(
    process.execPath,
    [bin, "run", "--timing-json", ...flags, "--", "sh", "-c", `echo ${marker}`],
    {
      env,
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  let firstLineMs;
  child.stdout.on("data", (chunk) => {
    stdout += chunk.toString();
    if (firstLineMs === undefined && stdout.includes(`${marker}\n`)) firstLineMs = ms();
  });
  child.stderr.on("data", (chunk) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      if (code !== 0 || firstLineMs === undefined)
        reject(new Error(`crabbox run exited ${code} (first line: ${firstLineMs}):\n${stderr}`));
      else {
        const timing = `${stdout}\n${stderr}`.split("\n").find((line) => line.startsWith('{"provider"'));
        const phases = timing ? JSON.parse(timing).phases : {};
        resolve({ firstLineMs, exitMs: ms(), phases });
      }
    });
  });
}

function makeRepo() {
  const root = join(temp, "repo");
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "README.md"), "pool bench\n");
  const git = (...args) =>
    spawnSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], { cwd: root });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "bench");
  return root;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(0).padStart(6)} ms`;

/** The two ways runs are measured: with the checkout's sync (the default) and `--no-sync`. */
const variants = [
  { name: "crabbox run", flags: [] },
  { name: "crabbox run --no-sync", flags: ["--no-sync"] },
];

let cold;
let warm;
const rows = variants.map(() => []);
try {
  const repo = makeRepo();
  const coldEnv = await stackEnv("cold", {});
  const warmEnv = await stackEnv("warm", { CRABBOX_POOLS: JSON.stringify([pool]) });
  console.log(`load average at start: ${load()}; simulated boot ${BOOT_MS} ms; ${RUNS} runs, alternating`);
  [cold, warm] = await Promise.all([startStack(coldEnv), startStack(warmEnv)]);
  for (let i = 1; i <= RUNS; i++) {
    for (const [v, variant] of variants.entries()) {
      const c = await timedRun(coldEnv, repo, variant.flags);
      const readyID = await untilPoolReady(warmEnv, repo);
      const w = await timedRun(warmEnv, repo, variant.flags);
      // The warm run must have taken that machine: it is gone from the pool (never returned).
      if (poolMachines(warmEnv, repo).some((m) => m.id === readyID))
        throw new Error(`the warm run did not claim the ready machine ${readyID}`);
      rows[v].push({ c, w });
      console.log(
        `run ${i}, ${variant.name.padEnd(22)} fresh create ${fmt(c.firstLineMs)}   ready pool ${fmt(w.firstLineMs)}   ${(c.firstLineMs / w.firstLineMs).toFixed(1)}x faster   (to exit: ${fmt(c.exitMs)} vs ${fmt(w.exitMs)}; load ${load()})`,
      );
    }
  }
} finally {
  await Promise.all([stopStack(cold), stopStack(warm)]);
  if (!process.env.BENCH_KEEP) rmSync(temp, { recursive: true, force: true, maxRetries: 10 });
  else console.log(`kept ${temp}`);
}

const met = (ok) => (ok ? "met" : "NOT met");
const verdicts = [];
for (const [v, variant] of variants.entries()) {
  const runs = rows[v];
  const coldMedian = median(runs.map((r) => r.c.firstLineMs));
  const warmMedian = median(runs.map((r) => r.w.firstLineMs));
  const warmWorst = Math.max(...runs.map((r) => r.w.firstLineMs));
  const speedups = runs.map((r) => r.c.firstLineMs / r.w.firstLineMs);
  console.log(`\n${variant.name}: spawn to first output line (medians of ${runs.length})`);
  console.log(`  fresh create (boot ${BOOT_MS} ms)  ${fmt(coldMedian)}`);
  console.log(`  ready pool                  ${fmt(warmMedian)}   (worst ${warmWorst.toFixed(0)} ms)`);
  console.log(`  speed-up per run            ${speedups.map((s) => `${s.toFixed(1)}x`).join(" / ")}`);
  // The part of the wait a pool removes: the lease (create + boot, or claim + hand-over) and
  // the readiness check over SSH, from crabbox's own --timing-json phases.
  const wait = (r) => (r.phases.lease ?? 0) + (r.phases.ready ?? 0);
  const phaseLine = (label, pick) =>
    `  ${label.padEnd(28)}${Object.keys(runs[0][pick].phases)
      .map((p) => `${p}=${median(runs.map((r) => r[pick].phases[p] ?? 0))}`)
      .join(" ")}`;
  console.log(phaseLine("phases, fresh create (ms)", "c"));
  console.log(phaseLine("phases, ready pool (ms)", "w"));
  console.log(
    `  lease+ready per run         ${runs.map((r) => `${wait(r.c)} vs ${wait(r.w)} ms (${(wait(r.c) / wait(r.w)).toFixed(1)}x)`).join(" / ")}`,
  );
  verdicts.push(
    [`${variant.name}: ready pool <= ${TARGETS.warmMs} ms, every run`, met(warmWorst <= TARGETS.warmMs)],
    [
      `${variant.name}: >= ${TARGETS.speedup}x faster, every run`,
      met(Math.min(...speedups) >= TARGETS.speedup),
    ],
  );
}
console.log(`\ntargets (load average at the end: ${load()})`);
for (const [what, verdict] of verdicts) console.log(`  ${what.padEnd(56)} ${verdict}`);
