import { LeaseState } from "../../../api/leases";
import { requireAdmin } from "../../fleet/admin-gate";
import { unwrap } from "../../fleet/rpc";
import type { PortalContext } from "../context";
import { portalFleet } from "../fleet";
import { page } from "../layout";
import { applyLeaseFilters, leaseFiltersFrom, leaseListBody } from "../pages/lease-list";
import { htmlResponse } from "../response";

/** `GET /portal/admin/leases` (admin): every lease, newest first, filterable by owner too. */
export async function portalAdminLeases(_request: Request, ctx: PortalContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const filters = leaseFiltersFrom(ctx.url);
  const state = LeaseState.safeParse(filters.state);
  const listed = unwrap(
    await portalFleet(ctx.env).listLeases(ctx.caller, {
      limit: 500,
      ...(state.success ? { state: state.data } : {}),
      ...(filters.owner ? { owner: filters.owner } : {}),
    }),
  );
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
