import type { RequestContext } from "../../context";
import { requireAdmin } from "../../fleet/admin/gate";
import { runUseCase } from "../../fleet/call";
import { contentType } from "../../fleet/metrics/exposition";

/**
 * `GET /v1/admin/metrics`: the fleet's gauges, counters and provisioning histogram in the
 * Prometheus text format, computed from the projections (docs/api.md, "Metrics").
 */
export async function adminMetrics(_request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const text = await runUseCase(ctx, "admin.metrics", {});
  return new Response(text, { status: 200, headers: { "content-type": contentType } });
}
