import { PassThrough, type Writable } from "node:stream";
import type { ArtifactEntry, RunShard, TelemetryInput, TestResultSummary } from "../../api";
import { CrabboxError, isCrabboxError } from "../../errors";
import { formatDuration, type ResolvedConfig } from "../config";
import { humanBytes, type Progress } from "../output/progress";
import { phaseSummary, printTiming, type TimingPhases } from "../output/timing";
import { interruptibleCommand } from "../ssh/interruptible";
import { powershellEncodedCommand, powershellQuoteWord, shellQuoteWord } from "../ssh/quote";
import { buildManifest, type Manifest, syncToRemote } from "../sync";
import { gitSyncStep } from "../sync/git/run-step";
import { collectTelemetry } from "../telemetry";
import { type ArtifactOptions, artifactStep, localRunId, wantsArtifacts } from "./artifacts-step";
import { PhaseClock } from "./phase-clock";
import { RunRecorder } from "./recorder";
import { allowedEnv, buildRemoteCommand } from "./remote-command";
import { collectJUnit } from "./results";
import { markResultsStartCommand } from "./results-auto";
import { acquireTarget } from "./target";
import { testGate } from "./test-gate";
import { remoteWorkdir } from "./workdir";

type Env = Record<string, string | undefined>;

export interface RunOptions {
  argv: string[];
  shell: boolean;
  keep: boolean;
  id?: string;
  noSync: boolean;
  syncOnly: boolean;
  junit: string[];
  /** true: one JSON line on stderr; a path: written to that file. */
  timingJson?: boolean | string;
  forceSyncLarge: boolean;
  allowMassDeletions: boolean;
  artifacts?: ArtifactOptions;
  /** `--fail-on-test-failures`: failing reports fail a command that exited 0 (docs/cli.md). */
  failOnTestFailures?: boolean;
  /** `--results-auto`: also read the reports the command wrote in the usual places (results-auto.ts). */
  resultsAuto?: boolean;
  /** This run is one shard of `crabbox shard`: its run record names the group (src/cli/shard). */
  shard?: RunShard;
}

export interface RunIO {
  config: ResolvedConfig;
  env: Env;
  cwd: string;
  repoRoot: string;
  signal: AbortSignal;
  stdout: Writable;
  stderr: Writable;
  progress: Progress;
  /** How long loading the configuration took before the flow started. */
  configMs?: number;
}

/** Builds the manifest before anything is leased: a repo that cannot sync costs nothing. */
export async function prepareManifest(
  io: RunIO,
  options: Pick<RunOptions, "forceSyncLarge">,
): Promise<Manifest> {
  const { config, progress } = io;
  progress.phase("manifest", io.repoRoot);
  const manifest = await buildManifest(io.repoRoot, {
    excludes: config.sync.exclude,
    maxFiles: config.sync.failFiles,
    maxBytes: config.sync.failBytes,
    allowLarge: options.forceSyncLarge || config.sync.allowLarge,
  });
  progress.info(
    `sync candidate: ${manifest.files} files, ${humanBytes(manifest.bytes)} (${manifest.mode} mode)`,
  );
  if (manifest.files >= config.sync.warnFiles || manifest.bytes >= config.sync.warnBytes) {
    progress.warn(
      `large sync candidate: ${manifest.files} files, ${humanBytes(manifest.bytes)}; consider sync.exclude or .crabboxignore`,
    );
  }
  return manifest;
}

/**
 * `crabbox run`: manifest → lease (or reuse) → ready → sync → command (streamed) → results
 * → run record → release. Returns the remote command's exit status. Ctrl-C stops the remote
 * command, records the run as interrupted and still releases the lease.
 */
export async function runFlow(io: RunIO, options: RunOptions): Promise<number> {
  const started = Date.now();
  const clock = new PhaseClock();
  const { config, env, signal } = io;
  const progress = clock.watch(io.progress);
  const phases: TimingPhases = {
    config: io.configMs ?? 0,
    manifest: 0,
    lease: 0,
    ready: 0,
    sync: 0,
    command: 0,
    collect: 0,
    release: 0,
  };
  let syncPhases: { name: string; ms: number }[] | undefined;
  const manifestBuilt = options.noSync
    ? Promise.resolve(undefined)
    : prepareManifest({ ...io, progress }, options).then((m) => {
        phases.manifest = Date.now() - started;
        return m;
      });
  // A new lease waits for the manifest: a repo that cannot sync leases nothing. A held lease
  // (`--id`) costs nothing to look up, so the manifest is built while the lease is found and
  // SSH connects; a manifest error then fails the run like any error after acquiring.
  if (!options.id) await manifestBuilt;
  else manifestBuilt.catch(() => {}); // awaited below; this only keeps an early failure handled

  const recorder = new RunRecorder((m) => progress.warn(m), options.shard);
  let syncMs = 0;
  let commandMs = 0;
  let syncSkipped = false;
  /** The sync mode (git or directory) for the summary line; "none" with --no-sync. */
  let syncMode = "none";
  let exitCode = 1;
  let results: TestResultSummary | undefined;
  let artifacts: ArtifactEntry[] = [];
  /** Why the run failed although the command exited 0 (artifacts), printed instead of its status. */
  let verdict: string | undefined;
  const telemetry: { start?: TelemetryInput; end?: TelemetryInput } = {};

  const acquireStarted = Date.now();
  const target = await acquireTarget({
    config,
    env,
    signal,
    progress,
    id: options.id,
    keep: options.keep,
    recorder,
    command: options.argv,
    sampler: (session) => collectTelemetry(session),
  });
  const { connection } = target;
  const acquired = Date.now();
  const readyAt = clock.first("waiting for ssh", acquireStarted) ?? acquired;
  phases.lease = readyAt - acquireStarted;
  phases.ready = acquired - readyAt;
  let interrupted = false;
  try {
    const manifest = await manifestBuilt;
    if (manifest) syncMode = manifest.mode;
    if (recorder.enabled) progress.info(`recording run ${recorder.runID}`);
    const linux = connection.target === "linux";
    if (linux && recorder.enabled) telemetry.start = await collectTelemetry(target.session);
    const workdir = remoteWorkdir(connection, io.repoRoot);

    if (manifest) {
      recorder.event({ type: "sync.started", phase: "sync", message: `${manifest.files} files` });
      progress.phase("syncing", `${manifest.files} files -> ${connection.host}:${workdir}`);
      const syncStarted = Date.now();
      const gitStep = gitSyncStep({
        config,
        repoRoot: io.repoRoot,
        workdir,
        target: connection.target,
        manifest,
        allowMassDeletions: options.allowMassDeletions || config.sync.allowMassDeletions,
        progress,
      });
      await gitStep?.before(target.session);
      const result = await syncToRemote(target.session, manifest, {
        workRoot: workdir,
        os: connection.target === "windows" ? "windows" : connection.target === "macos" ? "macos" : "linux",
        allowMassDelete: options.allowMassDeletions || config.sync.allowMassDeletions,
        onProgress: (bytes, files, phase) =>
          progress.phase(`sync ${phase}`, `${files} files ${humanBytes(bytes)}`),
        reconnect: () => target.reconnect(),
      });
      await gitStep?.after(target.session);
      syncMs = Date.now() - syncStarted;
      phases.sync = syncMs;
      syncPhases = clock.steps("sync ", syncStarted, Date.now());
      syncSkipped = result.skipped;
      const what = result.skipped
        ? "no changes, sync skipped"
        : `sent ${result.sentFiles} files (${humanBytes(result.sentBytes)}), deleted ${result.deleted}`;
      progress.info(`sync ${what} in ${formatDuration(syncMs)}`);
      recorder.event({
        type: "sync.finished",
        phase: "synced",
        message: `${what} duration=${syncMs}ms skipped=${result.skipped}`,
      });
    } else {
      await target.session.exec(
        connection.target === "windows"
          ? powershellEncodedCommand(
              `New-Item -ItemType Directory -Force -Path ${powershellQuoteWord(workdir)} | Out-Null`,
            )
          : `mkdir -p ${shellQuoteWord(workdir)}`,
      );
    }

    if (options.syncOnly) {
      progress.done();
      io.stdout.write(`synced ${workdir}\n`);
      exitCode = 0;
    } else {
      const remote = buildRemoteCommand({
        workdir,
        argv: options.argv,
        shell: options.shell,
        env: allowedEnv(config.env.allow, env),
        target: connection.target,
      });
      progress.info(`running on ${connection.host}: ${options.argv.join(" ")}`);
      progress.done();
      recorder.event({ type: "command.started", phase: "command", message: options.argv.join(" ") });
      const auto = Boolean(options.resultsAuto) && connection.target !== "windows";
      if (auto) await target.session.exec(markResultsStartCommand(workdir));
      const commandStarted = Date.now();
      // The stop-watchdog of the wrapped command holds stdin: it stays open until the command
      // ends, and its EOF (Ctrl-C closes the channel) stops the remote process group.
      const hold = new PassThrough();
      const windows = connection.target === "windows";
      const result = await target.session.exec(windows ? remote : interruptibleCommand(remote, 5), {
        signal,
        ...(windows ? {} : { stdin: hold }),
        onStdout: (chunk) => {
          io.stdout.write(chunk);
          recorder.output("stdout", chunk);
        },
        onStderr: (chunk) => {
          io.stderr.write(chunk);
          recorder.output("stderr", chunk);
        },
      });
      hold.end();
      const commandEnded = Date.now();
      phases.command = commandEnded - commandStarted;
      recorder.flushOutput();
      if (linux && recorder.enabled && !signal.aborted)
        telemetry.end = await collectTelemetry(target.session);
      commandMs = Date.now() - commandStarted;
      interrupted = Boolean(result.aborted) || signal.aborted;
      exitCode = interrupted ? 130 : result.exitCode;
      if (!interrupted && wantsArtifacts(options.artifacts)) {
        const got = await artifactStep({
          session: target.session,
          workdir,
          options: options.artifacts,
          runID: localRunId(recorder),
          cwd: io.cwd,
          repoRoot: io.repoRoot,
          progress,
          recorder,
        });
        artifacts = got.entries;
        if (got.failure && exitCode === 0) {
          exitCode = got.failure.exitCode;
          verdict = got.failure.message;
        }
      }
      if (!interrupted) {
        try {
          results = await collectJUnit(target.session, workdir, options.junit, {
            auto,
            warn: (m) => progress.warn(m),
          });
          if (results) {
            progress.info(
              `test results files=${results.files.length} tests=${results.tests} failures=${results.failures} errors=${results.errors} skipped=${results.skipped}`,
            );
          }
        } catch (error) {
          progress.warn(`could not read test results: ${(error as Error).message}`);
        }
        const gate = testGate(results, exitCode, options.failOnTestFailures ?? false);
        if (gate) {
          exitCode = gate.exitCode;
          verdict ??= gate.message;
        }
      }
      phases.collect = Date.now() - commandEnded;
    }
  } catch (error) {
    interrupted = signal.aborted;
    recorder.event(
      interrupted
        ? { type: "run.interrupted", phase: "interrupted", message: "interrupted before the command ended" }
        : { type: "run.failed", phase: "failed", message: (error as Error).message },
    );
    progress.done();
    await target.finish(options.keep);
    await recorder.finish({
      exitCode: interrupted ? 130 : isCrabboxError(error) ? error.exitCode : 1,
      syncMs,
      commandMs,
    });
    throw error;
  }
  if (interrupted) {
    recorder.event({
      type: "run.interrupted",
      phase: "interrupted",
      message: "interrupted: the remote command was stopped",
    });
  }
  progress.done();
  const releaseStarted = Date.now();
  // Release first, so that the run's final record includes the lease.released event.
  await target.finish(options.keep);
  await recorder.finish({
    exitCode,
    syncMs,
    commandMs,
    ...(results ? { results } : {}),
    ...(artifacts.length ? { artifacts } : {}),
    ...(telemetry.start || telemetry.end ? { telemetry } : {}),
  });
  phases.release = Date.now() - releaseStarted;
  const totalMs = Date.now() - started;
  io.stderr.write(
    `run summary sync=${formatDuration(syncMs)} command=${formatDuration(commandMs)} total=${formatDuration(totalMs)} sync_skipped=${syncSkipped} sync_mode=${syncMode} exit=${exitCode} ${phaseSummary(phases)}\n`,
  );
  if (options.timingJson) {
    printTiming(
      io.stderr,
      {
        provider: connection.provider,
        leaseId: connection.leaseID,
        slug: connection.slug,
        leaseMs: phases.lease,
        syncMs,
        syncSkipped,
        ...(syncPhases?.length ? { syncPhases } : {}),
        commandMs,
        totalMs,
        exitCode,
        phases,
      },
      options.timingJson,
    );
  }
  if (target.acquired && options.keep) {
    io.stderr.write(
      `kept lease ${connection.leaseID}: reuse it with \`crabbox run --id ${connection.slug} -- …\`, release it with \`crabbox stop ${connection.slug}\`\n`,
    );
  }
  if (interrupted) throw new CrabboxError("interrupted", "interrupted: the remote command was stopped");
  if (verdict) io.stderr.write(`crabbox: ${verdict}\n`);
  else if (exitCode !== 0) io.stderr.write(`crabbox: remote command exited ${exitCode}\n`);
  return exitCode;
}
