import { isCrabboxError } from "../../errors";
import type { RunRecorder } from "./recorder";

/**
 * Ends the run record of a run that never got its machine (the lease lookup, the create, the
 * readiness wait or a Ctrl-C failed first): a `run.failed` or `run.interrupted` event and the
 * final record, so that every recorded run reaches a terminal state (docs/cli.md, "The run flow").
 * Does nothing when nothing was recorded; never throws (recording is best effort).
 */
export async function finishUnacquired(
  recorder: RunRecorder,
  error: unknown,
  signal: AbortSignal,
): Promise<void> {
  const interrupted = signal.aborted;
  recorder.event(
    interrupted
      ? { type: "run.interrupted", phase: "interrupted", message: "interrupted before the machine was ready" }
      : { type: "run.failed", phase: "failed", message: (error as Error).message },
  );
  await recorder.finish({
    exitCode: interrupted ? 130 : isCrabboxError(error) ? error.exitCode : 1,
    syncMs: 0,
    commandMs: 0,
  });
}
