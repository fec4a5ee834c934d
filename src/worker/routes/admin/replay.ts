import type { RequestContext } from "../../context";
import { requireAdmin } from "../../fleet/admin-gate";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { json } from "../../http/json";

/** `POST /v1/admin/replay`: rebuilds the projections from the log and reports any difference. */
export async function adminReplay(_request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  return json(200, unwrap(await fleetStub(ctx.env).replay(callerOf(ctx))));
}
