import { RunEventsQuery } from "../../../api/runs";
import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { json } from "../../http/json";
import { parseQuery } from "../../http/query";

/** `GET /v1/runs/{run-id}/events?after=&limit=`: events with `seq > after`, ascending. */
export async function listRunEvents(request: Request, ctx: RequestContext): Promise<Response> {
  const query = parseQuery(request, RunEventsQuery);
  return json(200, {
    events: unwrap(await fleetStub(ctx.env).runEvents(callerOf(ctx), ctx.params.id ?? "", query)),
  });
}
