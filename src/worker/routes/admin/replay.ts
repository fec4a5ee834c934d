import type { RequestContext } from "../../context";
import { requireAdmin } from "../../fleet/admin/gate";
import { runUseCase } from "../../fleet/call";
import { json } from "../../http/json";

/** `POST /v1/admin/replay`: rebuilds the projections from the log and reports any difference. */
export async function adminReplay(_request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  return json(200, await runUseCase(ctx, "admin.replay", {}));
}
