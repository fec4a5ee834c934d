import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { input } from "../../fleet/leases/list";
import { json } from "../../http/json";
import { parseQuery } from "../../http/query";

/** `GET /v1/leases`: the caller's visible leases, newest first, limit applied after visibility. */
export async function listLeases(request: Request, ctx: RequestContext): Promise<Response> {
  return json(200, { leases: await runUseCase(ctx, "leases.list", parseQuery(request, input)) });
}
