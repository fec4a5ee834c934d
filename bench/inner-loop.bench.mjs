#!/usr/bin/env node
/**
 * `npm run bench:inner-loop` (issue 12): the loop "edit a file, run it remotely" through the real
 * built CLI (bin/crabbox.js) against the local stack, next to the plain tools it replaces, in one
 * run, alternating, medians of BENCH_RUNS (default 7):
 *
 * - start-up: `crabbox --version` vs `node -e 0`;
 * - warm `crabbox run --id <slug> -- true` (also with the SSH connection holder on,
 *   `CRABBOX_HOLD_CONNECTION=1`), nothing changed and one file changed, on a 200-file
 *   and a 3,000-file generated Git repository, vs `rsync -a --delete` of the same files plus
 *   `ssh <machine> true`, both over the OpenSSH command line `crabbox ssh --print` gives, and vs
 *   a bare `ssh <machine> true` (the floor: one connection and one command), and vs the Node
 *   floor (bench/node-floor.mjs: one coordinator request and one ssh2 exec in one Node process).
 *
 * The bench starts the stack once through the CLI (`crabbox warmup` in a temporary state,
 * config and cache directory, on a free port, so it never touches the user's stack), and stops
 * it at the end (`crabbox stop`, `crabbox dev stop`). The phases of crabbox's runs come from
 * `--timing-json` and are printed as medians too (docs/sync.md, "Inner loop").
 *
 *   npm run bench:inner-loop        (BENCH_RUNS=11 for more, BENCH_KEEP=1 keeps the temp dir)
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../bin/crabbox.js", import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TARGETS = { startup: 1.5, smallVsSsh: 3, vsRsync: 1.0 };

const temp = mkdtempSync(join(tmpdir(), "crabbox-inner-loop-"));
const port = await freePort();
const env = {
  ...process.env,
  CRABBOX_STATE_DIR: join(temp, "state"),
  CRABBOX_CONFIG_DIR: join(temp, "config"),
  CRABBOX_CACHE_DIR: join(temp, "cache"),
  CRABBOX_PORT: String(port),
};
delete env.CRABBOX_COORDINATOR;
delete env.CRABBOX_PROVIDER;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port: p } = server.address();
      server.close(() => resolve(p));
    });
  });
}

/** Runs a command to the end; returns its wall time in ms, failing loudly on a non-zero exit. */
function timed(command, args, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, stdio: ["ignore", "pipe", "pipe"], ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} exited ${result.status}: ${result.stderr?.toString().slice(-2000)}`,
    );
  }
  return { ms, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

const crabbox = (args, cwd) => timed(process.execPath, [bin, ...args], { cwd });
/** The same with the SSH connection holder on (docs/sync.md#ssh-connection-holder). */
const crabboxHeld = (args, cwd) =>
  timed(process.execPath, [bin, ...args], { cwd, env: { ...env, CRABBOX_HOLD_CONNECTION: "1" } });

function git(cwd, ...args) {
  execOk("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], cwd);
}

function execOk(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: "pipe" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.stderr}`);
}

/** A Git repository of `files` small source-like files, 25 to a directory, committed. */
function makeRepo(files) {
  const root = join(temp, `repo-${files}`);
  for (let i = 0; i < files; i++) {
    const dir = join(root, "src", `d${Math.floor(i / 25)}`);
    if (i % 25 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `f${i}.ts`),
      `// file ${i}\n${"export const value = 42;\n".repeat(20 + (i % 60))}`,
    );
  }
  git(root, "init", "-q");
  git(root, "add", "-A");
  git(root, "commit", "-qm", "bench");
  return { name: `${files} files`, root, files, editPath: join(root, "src", "d0", "f0.ts") };
}

let edits = 0;
function editOneFile(repo) {
  edits++;
  writeFileSync(repo.editPath, `// edit ${edits}\n${"export const value = 42;\n".repeat(20)}`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(0).padStart(5)} ms`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const verdict = (ratio, target) =>
  `${ratio.toFixed(2)}x (target <= ${target}x: ${ratio <= target ? "met" : "NOT met"})`;

let slug;
const results = [];
try {
  console.log(`load average at start: ${load()} (${RUNS} runs per figure, alternating)`);

  // 1. Start-up.
  timed(process.execPath, [bin, "--version"]);
  const nodeStart = [];
  const crabboxStart = [];
  for (let i = 0; i < RUNS * 3; i++) {
    nodeStart.push(timed(process.execPath, ["-e", "0"]).ms);
    crabboxStart.push(timed(process.execPath, [bin, "--version"]).ms);
  }
  const startRatio = median(crabboxStart) / median(nodeStart);
  console.log("\nstart-up");
  console.log(`  node -e 0            ${fmt(median(nodeStart))}`);
  console.log(
    `  crabbox --version    ${fmt(median(crabboxStart))}   ${verdict(startRatio, TARGETS.startup)}`,
  );
  results.push(["crabbox --version / node -e 0", startRatio, TARGETS.startup]);

  // 2. The stack and one held lease, through the CLI.
  const repos = [makeRepo(200), makeRepo(3000)];
  // On a loaded machine the stack can take longer than the CLI's 90 s wait to answer; it goes
  // on starting in the background, so the next warmup finds it.
  let warmup;
  for (let attempt = 1; !warmup; attempt++) {
    try {
      warmup = crabbox(["warmup", "--idle-timeout", "60m", "--ttl", "2h"], repos[0].root);
    } catch (error) {
      if (attempt === 3 || !/did not answer/.test(error.message)) throw error;
      console.log(`warmup attempt ${attempt}: the stack is still starting; waiting again`);
    }
  }
  slug = /crabbox run --id (\S+)/.exec(warmup.stdout + warmup.stderr)?.[1];
  if (!slug) throw new Error(`no slug in the warmup output:\n${warmup.stderr}`);
  const sshLine = crabbox(["ssh", "--print", slug], repos[0].root).stdout.trim().split(/\s+/);
  const [sshBin, ...sshArgs] = sshLine;
  const destination = sshArgs.pop();
  const sshOptions = sshArgs.join(" ");
  console.log(`\nlease ${slug}; OpenSSH line from \`crabbox ssh --print\`: ${sshLine.join(" ")}`);

  const bareSsh = () => timed(sshBin, [...sshArgs, destination, "true"]).ms;
  // The Node floor (bench/node-floor.mjs): one coordinator request and one ssh2 exec, nothing else.
  const keyFile = sshArgs[sshArgs.indexOf("-i") + 1];
  const sshPort = sshArgs[sshArgs.indexOf("-p") + 1];
  const sshHost = destination.split("@").pop();
  const floorScript = fileURLToPath(new URL("./node-floor.mjs", import.meta.url));
  const nodeFloor = () =>
    timed(process.execPath, [floorScript, `http://127.0.0.1:${port}`, sshHost, sshPort, keyFile]).ms;
  // The same files crabbox syncs: the repository minus .git (a default exclude of crabbox).
  const rsyncAndSsh = (repo) => {
    const target = join(temp, "rsync-target", repo.files.toString());
    const a = timed("rsync", [
      "-a",
      "--delete",
      "--exclude=.git",
      "-e",
      `${sshBin} ${sshOptions}`,
      `${repo.root}/`,
      `${destination}:${target}/`,
    ]).ms;
    return a + bareSsh();
  };
  const timingFile = join(temp, "timing.json");
  const crabboxRun = (repo, phases, held = false) => {
    const run = (held ? crabboxHeld : crabbox)(
      ["run", "--id", slug, `--timing-json=${timingFile}`, "--", "true"],
      repo.root,
    );
    if (held && !run.stderr.includes("using the SSH connection holder"))
      throw new Error(`a held run did not go through the holder:\n${run.stderr}`);
    phases.push(JSON.parse(readFileSync(timingFile, "utf8")));
    return run.ms;
  };
  // The holder's socket: a held run starts the holder, the next ones use it once it listens.
  const leaseID = JSON.parse(crabbox(["status", slug, "--json"], repos[0].root).stdout).id;
  const holderSocket = join(env.CRABBOX_STATE_DIR, "ssh", `${leaseID}.sock`);
  const startHolder = async (repo) => {
    crabboxHeld(["run", "--id", slug, "--", "true"], repo.root);
    for (let waited = 0; !existsSync(holderSocket); waited += 50) {
      if (waited > 60_000) throw new Error("the SSH connection holder did not start within 60 s");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  for (const repo of repos) {
    mkdirSync(join(temp, "rsync-target"), { recursive: true });
    // First syncs (cold) are not the inner loop: one of each before measuring.
    crabboxRun(repo, []);
    rsyncAndSsh(repo);
    await startHolder(repo);
    for (const scenario of ["no-change", "one-file"]) {
      const times = { crabbox: [], held: [], rsync: [], ssh: [], floor: [] };
      const phases = [];
      const heldPhases = [];
      for (let i = 0; i < RUNS; i++) {
        if (scenario === "one-file") editOneFile(repo);
        times.crabbox.push(crabboxRun(repo, phases));
        if (scenario === "one-file") editOneFile(repo);
        times.held.push(crabboxRun(repo, heldPhases, true));
        if (scenario === "one-file") editOneFile(repo);
        times.rsync.push(rsyncAndSsh(repo));
        times.ssh.push(bareSsh());
        times.floor.push(nodeFloor());
      }
      const c = median(times.crabbox);
      const r = median(times.rsync);
      const s = median(times.ssh);
      console.log(`\n${repo.name}, ${scenario} (load ${load()})`);
      const h = median(times.held);
      console.log(`  crabbox run --id -- true   ${fmt(c)}`);
      console.log(
        `  the same, holder on        ${fmt(h)}   ${(h / r).toFixed(2)}x rsync+ssh, ${(h / median(times.ssh)).toFixed(2)}x bare ssh`,
      );
      console.log(`  rsync -a --delete + ssh    ${fmt(r)}   crabbox ${verdict(c / r, TARGETS.vsRsync)}`);
      const sshTarget = repo.files === 200 && scenario === "no-change" ? TARGETS.smallVsSsh : undefined;
      console.log(
        `  bare ssh true              ${fmt(s)}   crabbox ${sshTarget ? verdict(c / s, sshTarget) : `${(c / s).toFixed(2)}x`}`,
      );
      const f = median(times.floor);
      console.log(
        `  node floor (1 request + 1 ssh2 exec) ${fmt(f)}   crabbox ${(c / f).toFixed(2)}x; floor ${(f / s).toFixed(2)}x bare ssh`,
      );
      for (const [label, list] of [
        ["crabbox phases", phases],
        ["holder-on phases", heldPhases],
      ]) {
        const phaseNames = Object.keys(list[0]?.phases ?? {});
        console.log(
          `  ${label} (median ms): ${phaseNames.map((p) => `${p}=${median(list.map((x) => x.phases[p]))}`).join(" ")} total=${median(list.map((x) => x.totalMs))}`,
        );
      }
      if (sshTarget) {
        results.push([`${repo.name} ${scenario}: crabbox / bare ssh`, c / s, sshTarget]);
        results.push([`${repo.name} ${scenario}: holder on / bare ssh`, h / s, sshTarget]);
      }
      if (repo.files === 3000) {
        results.push([`${repo.name} ${scenario}: crabbox / rsync+ssh`, c / r, TARGETS.vsRsync]);
        results.push([`${repo.name} ${scenario}: holder on / rsync+ssh`, h / r, TARGETS.vsRsync]);
      }
    }
  }
} finally {
  try {
    if (slug) crabbox(["stop", slug]);
  } catch (error) {
    console.error(`could not release ${slug}: ${error.message}`);
  }
  const stopped = spawn(process.execPath, [bin, "dev", "stop"], { env, stdio: "ignore" });
  await new Promise((resolve) => stopped.once("exit", resolve));
  if (!process.env.BENCH_KEEP) rmSync(temp, { recursive: true, force: true });
  else console.log(`kept ${temp}`);
}

console.log(`\ntargets (load average at the end: ${load()})`);
for (const [what, ratio, target] of results) console.log(`  ${what.padEnd(48)} ${verdict(ratio, target)}`);
