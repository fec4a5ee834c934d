import { PoolQuery } from "../../api/admin";
import type { RequestContext } from "../context";
import { requireAdmin } from "../fleet/admin/gate";
import { runUseCase } from "../fleet/call";
import { json } from "../http/json";
import { parseQuery } from "../http/query";

/** `GET /v1/pool` (admin): the crabbox-labelled machines the providers can see. */
export async function pool(request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const query = parseQuery(request, PoolQuery);
  return json(200, await runUseCase(ctx, "admin.pool", query));
}
