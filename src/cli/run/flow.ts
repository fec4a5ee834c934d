import { PassThrough, type Writable } from "node:stream";
import type { ArtifactEntry, TelemetryInput, TestResultSummary } from "../../api";
import { CrabboxError, isCrabboxError } from "../../errors";
import { formatDuration, type ResolvedConfig } from "../config";
import { humanBytes, type Progress } from "../output/progress";
import { printTiming } from "../output/timing";
import { interruptibleCommand } from "../ssh/interruptible";
import { powershellEncodedCommand, powershellQuoteWord, shellQuoteWord } from "../ssh/quote";
import { buildManifest, type Manifest, syncToRemote } from "../sync";
import { gitSyncStep } from "../sync/git/run-step";
import { collectTelemetry } from "../telemetry";
import { type ArtifactOptions, artifactStep, localRunId, wantsArtifacts } from "./artifacts-step";
import { RunRecorder } from "./recorder";
import { allowedEnv, buildRemoteCommand } from "./remote-command";
import { collectJUnit } from "./results";
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
  timingJson: boolean;
  forceSyncLarge: boolean;
  allowMassDeletions: boolean;
  artifacts?: ArtifactOptions;
  /** `--fail-on-test-failures`: failing reports fail a command that exited 0 (docs/cli.md). */
  failOnTestFailures?: boolean;
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
  progress.info(`sync candidate: ${manifest.files} files, ${humanBytes(manifest.bytes)}`);
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
  const { config, env, signal, progress } = io;
  const manifest = options.noSync ? undefined : await prepareManifest(io, options);

  const recorder = new RunRecorder((m) => progress.warn(m));
  let syncMs = 0;
  let commandMs = 0;
  let syncSkipped = false;
  let exitCode = 1;
  let results: TestResultSummary | undefined;
  let artifacts: ArtifactEntry[] = [];
  /** Why the run failed although the command exited 0 (artifacts), printed instead of its status. */
  let verdict: string | undefined;
  const telemetry: { start?: TelemetryInput; end?: TelemetryInput } = {};

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
  let interrupted = false;
  try {
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
          results = await collectJUnit(target.session, workdir, options.junit);
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
    }
  } catch (error) {
    interrupted = signal.aborted;
    recorder.event({
      type: "run.failed",
      phase: "failed",
      message: interrupted ? "interrupted (Ctrl-C)" : (error as Error).message,
    });
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
      type: "run.failed",
      phase: "failed",
      message: "interrupted (Ctrl-C): remote command stopped",
    });
  }
  progress.done();
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
  const totalMs = Date.now() - started;
  io.stderr.write(
    `run summary sync=${formatDuration(syncMs)} command=${formatDuration(commandMs)} total=${formatDuration(totalMs)} sync_skipped=${syncSkipped} exit=${exitCode}\n`,
  );
  if (options.timingJson) {
    printTiming(io.stderr, {
      provider: connection.provider,
      leaseId: connection.leaseID,
      slug: connection.slug,
      syncMs,
      syncSkipped,
      commandMs,
      totalMs,
      exitCode,
    });
  }
  if (target.acquired && options.keep) {
    io.stderr.write(
      `kept lease ${connection.leaseID}: reuse it with \`crabbox run --id ${connection.slug} -- …\`, release it with \`crabbox stop ${connection.slug}\`\n`,
    );
  }
  if (interrupted)
    throw new CrabboxError("internal", "interrupted: the remote command was stopped", { interrupted: true });
  if (verdict) io.stderr.write(`crabbox: ${verdict}\n`);
  else if (exitCode !== 0) io.stderr.write(`crabbox: remote command exited ${exitCode}\n`);
  return exitCode;
}
