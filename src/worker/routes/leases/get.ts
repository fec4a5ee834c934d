import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { json } from "../../http/json";

/** `GET /v1/leases/{id-or-slug}`. */
export async function getLease(_request: Request, ctx: RequestContext): Promise<Response> {
  const lease = unwrap(await fleetStub(ctx.env).getLease(callerOf(ctx), ctx.params.id ?? ""));
  return json(200, { lease });
}
