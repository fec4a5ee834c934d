import { z } from "zod";
import { type RunEventRecord, RunEventsQuery } from "../../../api/runs";
import { runEventsAfter } from "../../../projections/runs-queries";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { visibleRun } from "./run-command";

/** `GET /v1/runs/{run-id}/events`: progress events with `seq > after`, ascending. */
export const input = z.object({ runID: z.string(), query: RunEventsQuery });

export function handle(
  deps: FleetDeps,
  caller: Caller,
  { runID, query }: z.infer<typeof input>,
): RunEventRecord[] {
  visibleRun(deps, caller, runID);
  return runEventsAfter(deps.sql, runID, query.after, query.limit);
}
