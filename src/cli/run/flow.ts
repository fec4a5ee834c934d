import type { RunFinishRequest, TelemetryInput } from "../../api";
import { isCrabboxError } from "../../errors";
import { preloadSsh } from "../ssh/connect";
import { readGitForSync } from "../sync/git/run-step";
import { type ActiveTarget, acquire } from "../target";
import { collectTelemetry } from "../telemetry";
import type { RunContext, RunIO, RunOptions, RunOutcome } from "./flow-types";
import { newOutcome } from "./flow-types";
import { PhaseClock } from "./phase-clock";
import { collectPhase } from "./phase-collect";
import { executePhase } from "./phase-execute";
import { reportRun } from "./phase-report";
import { prepareManifest, syncPhase } from "./phase-sync";
import { RunRecorder } from "./recorder";
import { remoteWorkdir } from "./workdir";

export type { RunFacts, RunIO, RunOptions } from "./flow-types";

/** The run record's final body: what a failed run measured, or everything a finished one produced. */
function finalRecord(
  outcome: RunOutcome,
  failed: boolean,
): Omit<RunFinishRequest, "log" | "logChunks" | "logTruncated"> {
  const { exitCode, syncMs, commandMs, results, artifacts, telemetry } = outcome;
  if (failed) return { exitCode, syncMs, commandMs };
  return {
    exitCode,
    syncMs,
    commandMs,
    ...(results ? { results } : {}),
    ...(artifacts.length ? { artifacts } : {}),
    ...(telemetry.start || telemetry.end ? { telemetry } : {}),
  };
}

/**
 * `crabbox run` as a function other commands call:
 *
 *   runFlow(io: RunIO, options: RunOptions): Promise<number>
 *
 * `io` is where the run happens (config, env, cwd, repoRoot, signal) and where its output
 * goes (stdout, stderr, progress); `options` are `run`'s flags. It resolves to the remote
 * command's exit status (or the verdict's, docs/cli.md "Exit codes"), rejects with a
 * CrabboxError for everything else, and rejects with `interrupted` after Ctrl-C.
 *
 * The phases: manifest → acquire → sync → execute → collect, then, in one `finally`,
 * release (unless kept) and the run record written once, then report. Whatever fails after
 * the lease was chosen still releases it and still ends the run record (failed or
 * interrupted); the report is printed only for a run that got that far.
 */
export async function runFlow(io: RunIO, options: RunOptions): Promise<number> {
  const started = Date.now();
  const clock = new PhaseClock();
  const { signal } = io;
  const progress = clock.watch(io.progress);
  const watched: RunIO = { ...io, progress };
  const outcome = newOutcome(io.configMs);
  // With the connection holder on, a warm run may never need ssh2 (docs/sync.md#ssh-connection-holder).
  if (!(options.id && io.config.ssh.holdConnection)) preloadSsh();
  const manifestBuilt = options.noSync
    ? Promise.resolve(undefined)
    : prepareManifest(watched, options).then((m) => {
        outcome.phases.manifest = Date.now() - started;
        return m;
      });
  // The local git reads for the git-aware sync start as soon as the manifest exists, so they
  // overlap with finding the lease and connecting instead of following them.
  const localGit = manifestBuilt.then((m) => (m ? readGitForSync(io.config, io.repoRoot, m) : undefined));
  localGit.catch(() => {});
  // A new lease waits for the manifest: a repo that cannot sync leases nothing. A held lease
  // (`--id`) costs nothing to look up, so the manifest is built while the lease is found and
  // SSH connects; a manifest error then fails the run like any error after acquiring.
  if (!options.id) await manifestBuilt;
  else manifestBuilt.catch(() => {}); // awaited below; this only keeps an early failure handled

  const recorder = new RunRecorder((m) => progress.warn(m), options.shard);
  let startSample: Promise<TelemetryInput | undefined> | undefined;
  let target: ActiveTarget | undefined;
  let failed = false;
  try {
    const acquireStarted = Date.now();
    target = await acquire({
      config: io.config,
      env: io.env,
      signal,
      progress,
      id: options.id,
      keep: options.keep,
      recorder,
      command: options.argv,
      sampler: (session) => collectTelemetry(session),
    });
    const acquired = Date.now();
    const readyAt = clock.first("waiting for ssh", acquireStarted) ?? acquired;
    outcome.phases.lease = readyAt - acquireStarted;
    outcome.phases.ready = acquired - readyAt;

    const manifest = await manifestBuilt;
    if (manifest) outcome.syncMode = manifest.mode;
    // The run record may still be being created: the sync does not wait for it. The start
    // sample is taken on its own channel once it exists, and awaited before it is finished.
    const session = target.session;
    const linux = target.connection.target === "linux";
    startSample = recorder.ready().then((recorded) => {
      if (!recorded) return undefined;
      progress.info(`recording run ${recorder.runID}`);
      return linux ? collectTelemetry(session).catch(() => undefined) : undefined;
    });
    const workdir = remoteWorkdir(target.connection, io.repoRoot);
    const ctx: RunContext = { io: watched, options, target, recorder, clock, workdir, localGit };

    await syncPhase(ctx, outcome, manifest);
    if (options.syncOnly) {
      progress.done();
      io.stdout.write(`synced ${workdir}\n`);
      outcome.exitCode = 0;
    } else {
      const commandEnded = await executePhase(ctx, outcome);
      await collectPhase(ctx, outcome, commandEnded);
    }
    if (outcome.interrupted) {
      recorder.event({
        type: "run.interrupted",
        phase: "interrupted",
        message: "interrupted: the remote command was stopped",
      });
    }
  } catch (error) {
    failed = true;
    outcome.interrupted = signal.aborted;
    outcome.exitCode = outcome.interrupted ? 130 : isCrabboxError(error) ? error.exitCode : 1;
    recorder.event(
      outcome.interrupted
        ? { type: "run.interrupted", phase: "interrupted", message: "interrupted before the command ended" }
        : { type: "run.failed", phase: "failed", message: (error as Error).message },
    );
    throw error;
  } finally {
    progress.done();
    const releaseStarted = Date.now();
    if (startSample) outcome.telemetry.start = await startSample;
    // Release first, so that the run's final record includes the lease.released event.
    await target?.finish(options.keep);
    await recorder.finish(finalRecord(outcome, failed));
    outcome.phases.release = Date.now() - releaseStarted;
    options.onReleased?.({
      ...(target ? { leaseId: target.connection.leaseID, slug: target.connection.slug } : {}),
      ...(recorder.runID ? { runId: recorder.runID } : {}),
    });
  }
  return reportRun(
    io,
    options,
    { connection: target.connection, acquired: target.acquired, startedMs: started },
    outcome,
  );
}
