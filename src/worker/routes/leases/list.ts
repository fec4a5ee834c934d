import { LeaseListQuery } from "../../../api/leases";
import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { json } from "../../http/json";
import { parseQuery } from "../../http/query";

/** `GET /v1/leases`: the caller's visible leases, newest first, limit applied after visibility. */
export async function listLeases(request: Request, ctx: RequestContext): Promise<Response> {
  const query = parseQuery(request, LeaseListQuery);
  const leases = unwrap(await fleetStub(ctx.env).listLeases(callerOf(ctx), query));
  return json(200, { leases });
}
