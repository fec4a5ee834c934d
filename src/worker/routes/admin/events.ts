import { AdminEventsQuery } from "../../../api/admin";
import type { RequestContext } from "../../context";
import { requireAdmin } from "../../fleet/admin/gate";
import { runUseCase } from "../../fleet/call";
import { json } from "../../http/json";
import { parseQuery } from "../../http/query";

/** `GET /v1/admin/events`: the whole log, paged by `seq`, filterable by stream, type, owner and time. */
export async function adminEvents(request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const query = parseQuery(request, AdminEventsQuery);
  return json(200, await runUseCase(ctx, "admin.events", query));
}
