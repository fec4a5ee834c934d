import { leaseRole } from "../../fleet/scoping";
import type { PortalContext } from "../context";
import { page } from "../layout";
import { listedLeases } from "../listed-leases";
import { applyLeaseFilters, leaseFiltersFrom, leaseListBody } from "../pages/lease-list";
import { htmlResponse } from "../response";

/** `GET /portal`: the caller's own leases and those shared with them (admins too: theirs, not everyone's). */
export async function portalLeases(_request: Request, ctx: PortalContext): Promise<Response> {
  // This page has no owner filter: an `owner` in the URL is ignored.
  const filters = { ...leaseFiltersFrom(ctx.url), owner: undefined };
  const listed = await listedLeases(ctx, filters);
  const asMember = { ...ctx.identity, admin: false };
  const mine = listed.filter((lease) => leaseRole(lease, asMember) !== "none");
  const leases = applyLeaseFilters(mine, filters);
  const body = leaseListBody("Leases", "/portal", leases, filters, ctx.now, false);
  return htmlResponse(
    200,
    page({ title: "Leases", nonce: ctx.nonce, identity: ctx.identity, active: "leases", body }),
    ctx.nonce,
  );
}
