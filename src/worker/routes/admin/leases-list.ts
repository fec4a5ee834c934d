import { AdminLeaseListQuery } from "../../../api/admin";
import type { RequestContext } from "../../context";
import { requireAdmin } from "../../fleet/admin/gate";
import { runUseCase } from "../../fleet/call";
import { json } from "../../http/json";
import { parseQuery } from "../../http/query";

/** `GET /v1/admin/leases`: every lease, filtered, newest first. */
export async function adminListLeases(request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const query = parseQuery(request, AdminLeaseListQuery);
  return json(200, { leases: await runUseCase(ctx, "leases.list", query) });
}
