import { z } from "zod";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { visibleRun } from "./run-command";

/** `GET /v1/runs/{run-id}/logs`: the stored log tail (empty until finished). */
export const input = z.object({ runID: z.string() });

export function handle(deps: FleetDeps, caller: Caller, { runID }: z.infer<typeof input>): string {
  visibleRun(deps, caller, runID);
  const pointer = deps.sql
    .exec<{ event_seq: number }>("SELECT event_seq FROM run_logs WHERE run_id = ?", runID)
    .toArray()[0];
  return pointer ? deps.store.readAttachment(pointer.event_seq) : "";
}
