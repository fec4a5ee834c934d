import { ExportQuery } from "../../../api/export";
import type { RequestContext } from "../../context";
import { requireAdmin } from "../../fleet/admin/gate";
import { runUseCase } from "../../fleet/call";
import { json } from "../../http/json";
import { parseQuery } from "../../http/query";

/** `GET /v1/admin/export`: the log as stored with its hash chain (docs/event-log.md, "Export format"). */
export async function adminExport(request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const query = parseQuery(request, ExportQuery);
  return json(200, await runUseCase(ctx, "admin.export", query));
}
