import { z } from "zod";
import { RunFinishRequest, type RunRecord } from "../../../api/runs";
import { boundArtifacts } from "../../../domain/artifacts";
import { boundResults } from "../../../domain/results";
import { sanitizeTelemetry } from "../../../domain/telemetry";
import type { TelemetrySample } from "../../../events/payloads/shared";
import type { RunCommand } from "../../../events/run-decider";
import { eventSample, toRunRecord } from "../../../projections/records";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { executeRunCommand, visibleRun } from "./run-command";

/** `POST /v1/runs/{run-id}/finish`: exit code, timings, the log tail, test results, artifacts. */
export const input = z.object({ runID: z.string(), body: RunFinishRequest });

export async function handle(
  deps: FleetDeps,
  caller: Caller,
  { runID, body }: z.infer<typeof input>,
): Promise<RunRecord> {
  visibleRun(deps, caller, runID);
  const now = deps.now();
  const chunks = body.logChunks?.join("") ?? "";
  const log = chunks !== "" ? chunks : (body.log ?? "");
  const sanitize = (raw: unknown): TelemetrySample | undefined => {
    const sample = sanitizeTelemetry(raw, now);
    return sample ? eventSample(sample) : undefined;
  };
  const start = sanitize(body.telemetry?.start);
  const end = sanitize(body.telemetry?.end);
  const samples = (body.telemetry?.samples ?? [])
    .map(sanitize)
    .filter((s): s is TelemetrySample => s !== undefined);
  const results = body.results ? boundResults(body.results) : undefined;
  const artifacts = boundArtifacts(body.artifacts);
  const command: RunCommand = {
    type: "FinishRun",
    finish: {
      ...(body.exitCode !== undefined ? { exitCode: body.exitCode } : {}),
      ...(body.syncMs !== undefined ? { syncMs: body.syncMs } : {}),
      ...(body.commandMs !== undefined ? { commandMs: body.commandMs } : {}),
      log,
      ...(body.logTruncated !== undefined ? { logTruncated: body.logTruncated } : {}),
      ...(results ? { results } : {}),
      ...(artifacts.length ? { artifacts } : {}),
      telemetry: {
        ...(start ? { start } : {}),
        ...(end ? { end } : {}),
        ...(samples.length ? { samples } : {}),
      },
    },
  };
  return executeRunCommand(deps, caller, { runID, route: "run-finish", body }, command, toRunRecord);
}
