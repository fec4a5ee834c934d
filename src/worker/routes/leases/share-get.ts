import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { json } from "../../http/json";

/** `GET /v1/leases/{id-or-slug}/share`. */
export async function getLeaseShare(_request: Request, ctx: RequestContext): Promise<Response> {
  return json(200, unwrap(await fleetStub(ctx.env).getLeaseShare(callerOf(ctx), ctx.params.id ?? "")));
}
