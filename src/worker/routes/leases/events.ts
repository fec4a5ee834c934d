import { StreamEventsQuery } from "../../../api/admin";
import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { json } from "../../http/json";
import { parseQuery } from "../../http/query";

/** `GET /v1/leases/{id-or-slug}/events`: the lease's own event stream (owner, manager or admin). */
export async function leaseEvents(request: Request, ctx: RequestContext): Promise<Response> {
  const query = parseQuery(request, StreamEventsQuery);
  return json(200, unwrap(await fleetStub(ctx.env).leaseEvents(callerOf(ctx), ctx.params.id ?? "", query)));
}
