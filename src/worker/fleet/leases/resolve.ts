import type { LeaseRecord } from "../../../api/leases";
import { isLeaseId, normalizeSlug } from "../../../domain/ids";
import { CrabboxError } from "../../../errors";
import type { LeaseState } from "../../../events/lease-state";
import { getLease, leaseRecordWithHistory, liveLeasesBySlug } from "../../../projections/leases-queries";
import { toLeaseRecord } from "../../../projections/records";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { canManageLease, canSeeLease } from "../scoping";

export const leaseNotFound = () => new CrabboxError("not_found", "lease not found");

/** `{id}` path parameter: a lease ID (any state) or the slug of a live lease the caller can see. */
export function resolveLease(deps: FleetDeps, ref: string, caller: Caller): LeaseState {
  const identity = caller.identity;
  if (isLeaseId(ref)) {
    const lease = getLease(deps.sql, ref);
    if (!lease || !canSeeLease(lease, identity)) throw leaseNotFound();
    return lease;
  }
  const slug = normalizeSlug(ref);
  if (!slug) throw leaseNotFound();
  const candidates = liveLeasesBySlug(deps.sql, slug, deps.now()).filter((l) => canSeeLease(l, identity));
  if (candidates.length > 1) {
    const own = candidates.filter((l) => l.owner === identity.owner && l.org === identity.org);
    if (own.length === 1 && own[0]) return own[0];
    throw new CrabboxError("ambiguous", `slug ${slug} matches several leases; use the lease ID`, {
      leaseIDs: candidates.map((l) => l.id),
    });
  }
  const [only] = candidates;
  if (!only) throw leaseNotFound();
  return only;
}

/** The lease the caller may manage (release, share, read its events), else 403. */
export function resolveManagedLease(deps: FleetDeps, ref: string, caller: Caller): LeaseState {
  const lease = resolveLease(deps, ref, caller);
  if (!canManageLease(lease, caller.identity)) {
    throw new CrabboxError("forbidden", "lease manage access required");
  }
  return lease;
}

/** The wire record; `withHistory` adds the telemetry history (the hot paths leave it out). */
export function leaseRecord(deps: FleetDeps, lease: LeaseState, withHistory = true): LeaseRecord {
  return withHistory ? leaseRecordWithHistory(deps.sql, lease) : toLeaseRecord(lease);
}
