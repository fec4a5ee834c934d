import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { input } from "../../fleet/runs/telemetry";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `POST /v1/runs/{run-id}/telemetry`: one sanitised sample into the run's ring of 60. */
export async function recordRunTelemetry(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, input.shape.body);
  return json(200, { run: await runUseCase(ctx, "runs.telemetry", { runID: ctx.params.id ?? "", body }) });
}
