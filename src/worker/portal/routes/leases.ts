import { LeaseState } from "../../../api/leases";
import { unwrap } from "../../fleet/rpc";
import { leaseRole } from "../../fleet/scoping";
import type { PortalContext } from "../context";
import { portalFleet } from "../fleet";
import { page } from "../layout";
import { applyLeaseFilters, leaseFiltersFrom, leaseListBody } from "../pages/lease-list";
import { htmlResponse } from "../response";

/** `GET /portal`: the caller's own leases and those shared with them (admins too: theirs, not everyone's). */
export async function portalLeases(_request: Request, ctx: PortalContext): Promise<Response> {
  const filters = leaseFiltersFrom(ctx.url);
  const state = LeaseState.safeParse(filters.state);
  const listed = unwrap(
    await portalFleet(ctx.env).listLeases(ctx.caller, {
      limit: 500,
      ...(state.success ? { state: state.data } : {}),
    }),
  );
  const asMember = { ...ctx.identity, admin: false };
  const mine = listed.filter((lease) => leaseRole(lease, asMember) !== "none");
  const leases = applyLeaseFilters(mine, filters);
  const body = leaseListBody("Leases", "/portal", leases, { ...filters, owner: undefined }, ctx.now, false);
  return htmlResponse(
    200,
    page({ title: "Leases", nonce: ctx.nonce, identity: ctx.identity, active: "leases", body }),
    ctx.nonce,
  );
}
