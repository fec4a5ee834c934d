import { UsageQuery } from "../../api/usage";
import type { RequestContext } from "../context";
import { callerOf, fleetStub, unwrap } from "../fleet/rpc";
import { json } from "../http/json";
import { parseQuery } from "../http/query";

/** `GET /v1/usage`: spend and guardrails for the month; non-admins always see only themselves. */
export async function usage(request: Request, ctx: RequestContext): Promise<Response> {
  const query = parseQuery(request, UsageQuery);
  return json(200, unwrap(await fleetStub(ctx.env).usage(callerOf(ctx), query)));
}
