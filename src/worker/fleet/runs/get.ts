import { z } from "zod";
import type { RunRecord } from "../../../api/runs";
import { toRunRecord } from "../../../projections/records";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { visibleRun } from "./run-command";

/** `GET /v1/runs/{run-id}`. */
export const input = z.object({ runID: z.string() });

export function handle(deps: FleetDeps, caller: Caller, { runID }: z.infer<typeof input>): RunRecord {
  return toRunRecord(visibleRun(deps, caller, runID));
}
