import { requireAdmin } from "../../fleet/admin/gate";
import type { PortalContext } from "../context";
import { page } from "../layout";
import { listedLeases } from "../listed-leases";
import { applyLeaseFilters, leaseFiltersFrom, leaseListBody } from "../pages/lease-list";
import { htmlResponse } from "../response";

/** `GET /portal/admin/leases` (admin): every lease, newest first, filterable by owner too. */
export async function portalAdminLeases(_request: Request, ctx: PortalContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const filters = leaseFiltersFrom(ctx.url);
  const listed = await listedLeases(ctx, filters);
  const body = leaseListBody(
    "All leases",
    "/portal/admin/leases",
    applyLeaseFilters(listed, filters),
    filters,
    ctx.now,
    true,
  );
  return htmlResponse(
    200,
    page({ title: "All leases", nonce: ctx.nonce, identity: ctx.identity, active: "admin-leases", body }),
    ctx.nonce,
  );
}
