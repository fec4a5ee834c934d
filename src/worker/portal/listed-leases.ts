import { type LeaseRecord, LeaseState } from "../../api/leases";
import { callFleet } from "../fleet/call";
import type { PortalContext } from "./context";
import type { LeaseFilters } from "./pages/lease-list";

/**
 * The leases a list page starts from: up to 500, newest first, as the Fleet lists them for the
 * caller, narrowed there by the filters the wire query can express (a known state, an owner).
 */
export async function listedLeases(ctx: PortalContext, filters: LeaseFilters): Promise<LeaseRecord[]> {
  const state = LeaseState.safeParse(filters.state);
  return await callFleet(ctx.env, ctx.caller, "leases.list", {
    limit: 500,
    ...(state.success ? { state: state.data } : {}),
    ...(filters.owner ? { owner: filters.owner } : {}),
  });
}
