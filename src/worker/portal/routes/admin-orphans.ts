import { requireAdmin } from "../../fleet/admin/gate";
import { callFleet } from "../../fleet/call";
import type { PortalContext } from "../context";
import { page } from "../layout";
import { orphansBody } from "../pages/orphans";
import { htmlResponse } from "../response";

/**
 * `GET /portal/admin/orphans` (admin): provider resources without a live lease, each with the
 * sweep's state and its trail — the same Fleet answer as `GET /v1/admin/orphans`.
 */
export async function portalOrphans(_request: Request, ctx: PortalContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const report = await callFleet(ctx.env, ctx.caller, "admin.orphans", {});
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
