import { RunTelemetryRequest } from "../../../api/runs";
import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `POST /v1/runs/{run-id}/telemetry`: one sanitised sample into the run's ring of 60. */
export async function recordRunTelemetry(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, RunTelemetryRequest);
  const run = unwrap(await fleetStub(ctx.env).recordRunTelemetry(callerOf(ctx), ctx.params.id ?? "", body));
  return json(200, { run });
}
