import { CrabboxError } from "../../errors";
import { formatDuration } from "../config";
import { phaseSummary, printTiming } from "../output/timing";
import type { MachineConnection } from "./connection";
import type { RunIO, RunOptions, RunOutcome } from "./flow-types";

/**
 * Report: the summary line, `--timing-json`, how to reuse a kept lease, and the verdict, all
 * on stderr once the machine is released and the run recorded. Returns the exit status, or
 * throws `interrupted` after a Ctrl-C.
 */
export function reportRun(
  io: RunIO,
  options: RunOptions,
  run: { connection: MachineConnection; acquired: boolean; startedMs: number },
  outcome: RunOutcome,
): number {
  const { connection } = run;
  const { exitCode, syncMs, commandMs, syncSkipped, phases } = outcome;
  const totalMs = Date.now() - run.startedMs;
  io.stderr.write(
    `run summary sync=${formatDuration(syncMs)} command=${formatDuration(commandMs)} total=${formatDuration(totalMs)} sync_skipped=${syncSkipped} sync_mode=${outcome.syncMode} exit=${exitCode} ${phaseSummary(phases)}\n`,
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
        ...(outcome.syncPhases?.length ? { syncPhases: outcome.syncPhases } : {}),
        commandMs,
        totalMs,
        exitCode,
        phases,
      },
      options.timingJson,
    );
  }
  if (run.acquired && options.keep) {
    io.stderr.write(
      `kept lease ${connection.leaseID}: reuse it with \`crabbox run --id ${connection.slug} -- …\`, release it with \`crabbox stop ${connection.slug}\`\n`,
    );
  }
  if (outcome.interrupted)
    throw new CrabboxError("interrupted", "interrupted: the remote command was stopped");
  if (outcome.verdict) io.stderr.write(`crabbox: ${outcome.verdict}\n`);
  else if (exitCode !== 0) io.stderr.write(`crabbox: remote command exited ${exitCode}\n`);
  return exitCode;
}
