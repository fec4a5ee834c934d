import { LeaseListQuery, type LeaseRecord } from "../../../api/leases";
import type { LeaseState } from "../../../events/lease-state";
import { listLeasesNewestFirst, liveSharedLeases, ownLeases } from "../../../projections/leases-queries";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { canSeeLease } from "../scoping";
import { leaseRecord } from "./resolve";

/**
 * `GET /v1/leases` (and `GET /v1/admin/leases`): visible leases, newest first, the limit
 * applied after visibility. Admins walk the created-at index; everyone else gets their own
 * leases (owner+org index) plus the live leases shared with them (state index) — every read
 * is index-backed and bounded.
 */
export const input = LeaseListQuery;

export function handle(deps: FleetDeps, caller: Caller, query: LeaseListQuery): LeaseRecord[] {
  const filter = {
    ...(query.state ? { state: query.state } : {}),
    ...(query.owner ? { owner: query.owner } : {}),
    ...(query.org ? { org: query.org } : {}),
  };
  const { identity } = caller;
  if (identity.admin) {
    return listLeasesNewestFirst(deps.sql, filter, () => true, query.limit).map((l) =>
      leaseRecord(deps, l, false),
    );
  }
  const matches = (lease: LeaseState) =>
    (filter.state === undefined || lease.state === filter.state) &&
    (filter.owner === undefined || lease.owner === filter.owner) &&
    (filter.org === undefined || lease.org === filter.org);
  const own = ownLeases(deps.sql, identity.owner, identity.org, filter, query.limit);
  const shared = liveSharedLeases(deps.sql).filter(
    (l) => matches(l) && !(l.owner === identity.owner && l.org === identity.org) && canSeeLease(l, identity),
  );
  return [...own, ...shared]
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, query.limit)
    .map((lease) => leaseRecord(deps, lease, false));
}
