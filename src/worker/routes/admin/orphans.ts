import type { RequestContext } from "../../context";
import { requireAdmin } from "../../fleet/admin/gate";
import { runUseCase } from "../../fleet/call";
import { json } from "../../http/json";

/**
 * `GET /v1/admin/orphans`: crabbox-labelled provider machines no live lease owns, each with
 * the sweep's state for it and the event trail that explains it.
 */
export async function adminOrphans(_request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  return json(200, await runUseCase(ctx, "admin.orphans", {}));
}
