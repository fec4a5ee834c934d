import { type LeaseRecord, LeaseState } from "../../api/leases";
import { unwrap } from "../fleet/rpc";
import type { PortalContext } from "./context";
import { portalFleet } from "./fleet";
import type { LeaseFilters } from "./pages/lease-list";

/**
 * The leases a list page starts from: up to 500, newest first, as the Fleet lists them for the
 * caller, narrowed there by the filters the wire query can express (a known state, an owner).
 */
export async function listedLeases(ctx: PortalContext, filters: LeaseFilters): Promise<LeaseRecord[]> {
  const state = LeaseState.safeParse(filters.state);
  return unwrap(
    await portalFleet(ctx.env).listLeases(ctx.caller, {
      limit: 500,
      ...(state.success ? { state: state.data } : {}),
      ...(filters.owner ? { owner: filters.owner } : {}),
    }),
  );
}
