import { z } from "zod";
import { RunEventInput, type RunEventRecord } from "../../../api/runs";
import { CrabboxError } from "../../../errors";
import type { Row } from "../../../projections/codec";
import { toRunEventRecord } from "../../../projections/records";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { executeRunCommand, visibleRun } from "./run-command";

/** `POST /v1/runs/{run-id}/events`: one progress event, numbered by the run (per-run seq). */
export const input = z.object({ runID: z.string(), body: RunEventInput });

export async function handle(
  deps: FleetDeps,
  caller: Caller,
  { runID, body }: z.infer<typeof input>,
): Promise<RunEventRecord> {
  visibleRun(deps, caller, runID);
  const event = { ...body, ...(body.leaseID === "" ? { leaseID: undefined } : {}) };
  return executeRunCommand(
    deps,
    caller,
    { runID, route: "run-event", body },
    { type: "AppendRunEvent", event },
    (state) => {
      const row = deps.sql
        .exec<Row>("SELECT * FROM run_events WHERE run_id = ? AND seq = ?", runID, state.eventCount)
        .toArray()[0];
      if (!row) throw new CrabboxError("internal", "run event not projected");
      return toRunEventRecord(row);
    },
  );
}
