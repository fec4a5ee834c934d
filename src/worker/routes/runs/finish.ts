import { RunFinishRequest } from "../../../api/runs";
import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `POST /v1/runs/{run-id}/finish`: exit code, durations, results and the log tail (≤ 8 MiB). */
export async function finishRun(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, RunFinishRequest);
  const run = unwrap(await fleetStub(ctx.env).finishRun(callerOf(ctx), ctx.params.id ?? "", body));
  return json(200, { run });
}
