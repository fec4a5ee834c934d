import { requireAdmin } from "../../fleet/admin/gate";
import { callFleet } from "../../fleet/call";
import type { PortalContext } from "../context";
import { page } from "../layout";
import { poolsBody } from "../pages/pools";
import { htmlResponse } from "../response";

/** `GET /portal/admin/pools` (admin): the ready pools — the same Fleet answer as `GET /v1/pool`. */
export async function portalPools(_request: Request, ctx: PortalContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const answer = await callFleet(ctx.env, ctx.caller, "admin.pool", {});
  return htmlResponse(
    200,
    page({
      title: "Ready pools",
      nonce: ctx.nonce,
      identity: ctx.identity,
      active: "pools",
      body: poolsBody(answer, Date.now()),
    }),
    ctx.nonce,
  );
}
