import { z } from "zod";
import { type RunRecord, RunTelemetryRequest } from "../../../api/runs";
import { sanitizeTelemetry } from "../../../domain/telemetry";
import { CrabboxError } from "../../../errors";
import { eventSample, toRunRecord } from "../../../projections/records";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { executeRunCommand, visibleRun } from "./run-command";

/** `POST /v1/runs/{run-id}/telemetry`: one sample; a sample with no usable metric is refused. */
export const input = z.object({ runID: z.string(), body: RunTelemetryRequest });

export async function handle(
  deps: FleetDeps,
  caller: Caller,
  { runID, body }: z.infer<typeof input>,
): Promise<RunRecord> {
  visibleRun(deps, caller, runID);
  const sample = sanitizeTelemetry(body.telemetry, deps.now());
  if (!sample) {
    throw new CrabboxError("invalid_telemetry", "telemetry has no usable metric", { field: "telemetry" });
  }
  return executeRunCommand(
    deps,
    caller,
    { runID, route: "run-telemetry", body },
    { type: "RecordRunTelemetry", sample: eventSample(sample) },
    toRunRecord,
  );
}
