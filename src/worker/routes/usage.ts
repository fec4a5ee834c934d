import { UsageQuery } from "../../api/usage";
import type { RequestContext } from "../context";
import { runUseCase } from "../fleet/call";
import { json } from "../http/json";
import { parseQuery } from "../http/query";

/** `GET /v1/usage`: spend and guardrails for the month; non-admins always see only themselves. */
export async function usage(request: Request, ctx: RequestContext): Promise<Response> {
  const query = parseQuery(request, UsageQuery);
  return json(200, await runUseCase(ctx, "leases.usage", query));
}
