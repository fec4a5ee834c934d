import { requireAdmin } from "../../fleet/admin-gate";
import { unwrap } from "../../fleet/rpc";
import type { PortalContext } from "../context";
import { portalFleet } from "../fleet";
import { page } from "../layout";
import { orphansBody } from "../pages/orphans";
import { htmlResponse } from "../response";

/**
 * `GET /portal/admin/orphans` (admin): provider resources without a live lease, each with the
 * sweep's state and its trail — the same Fleet answer as `GET /v1/admin/orphans`.
 */
export async function portalOrphans(_request: Request, ctx: PortalContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const report = unwrap(await portalFleet(ctx.env).orphans(ctx.caller));
  return htmlResponse(
    200,
    page({
      title: "Orphans",
      nonce: ctx.nonce,
      identity: ctx.identity,
      active: "orphans",
      body: orphansBody(report),
    }),
    ctx.nonce,
  );
}
