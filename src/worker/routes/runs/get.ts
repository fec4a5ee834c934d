import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { json } from "../../http/json";

/** `GET /v1/runs/{run-id}`. */
export async function getRun(_request: Request, ctx: RequestContext): Promise<Response> {
  return json(200, { run: unwrap(await fleetStub(ctx.env).getRun(callerOf(ctx), ctx.params.id ?? "")) });
}
