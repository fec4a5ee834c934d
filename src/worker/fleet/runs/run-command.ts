import { CrabboxError } from "../../../errors";
import { type RunCommand, runDecider, runStream } from "../../../events/run-decider";
import type { RunState } from "../../../events/run-state";
import { getRun } from "../../../projections/runs-queries";
import { callerMeta, type FleetDeps } from "../deps";
import { dedupeFor } from "../idempotency";
import type { Caller } from "../rpc";
import { canSeeRun } from "../scoping";

/**
 * Runs have no sharing: a run is visible to its owner (same owner and org) and to admins;
 * anyone else gets 404, never 403, so run IDs do not leak.
 */
export function visibleRun(deps: FleetDeps, caller: Caller, runID: string): RunState {
  const run = getRun(deps.sql, runID);
  if (!run || !canSeeRun(run, caller.identity)) throw new CrabboxError("not_found", "run not found");
  return run;
}

/**
 * Decides one command on a run's stream. Under an `Idempotency-Key` the response built by
 * `respond` is remembered, and a retry gets exactly that back.
 */
export async function executeRunCommand<T>(
  deps: FleetDeps,
  caller: Caller,
  target: { runID: string; route: string; body: unknown },
  command: RunCommand,
  respond: (state: RunState) => T,
): Promise<T> {
  const { runID, route, body } = target;
  const dedupe = await dedupeFor(caller, route, runID, body);
  const result = deps.store.execute({
    stream: runStream(runID),
    decider: runDecider,
    command,
    now: deps.now(),
    meta: callerMeta(caller),
    result: respond,
    ...dedupe,
  });
  return result.outcome.result;
}
