import type { ShareResponse } from "../../../api/leases";
import type { LeaseState } from "../../../events/lease-state";
import type { ShareRole } from "../../../events/payloads/shared";
import { toLeaseRecord } from "../../../projections/records";
import { callerMeta, executeLeaseCommand, type FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { shareKey } from "../scoping";

/** What the share use cases answer: the lease's grants (none is `{users: {}}`). */
export function shareResponse(lease: LeaseState): ShareResponse {
  const share = toLeaseRecord(lease).share;
  return { leaseID: lease.id, share: share ?? { users: {} } };
}

/** Replaces a managed lease's grants (user names normalised) through `ChangeShare`. */
export function changeShare(
  deps: FleetDeps,
  caller: Caller,
  lease: LeaseState,
  users: Record<string, ShareRole>,
  org?: ShareRole,
): ShareResponse {
  const normalized = Object.fromEntries(Object.entries(users).map(([user, role]) => [shareKey(user), role]));
  const result = executeLeaseCommand(
    deps,
    lease.id,
    { type: "ChangeShare", users: normalized, changedBy: caller.identity.owner, ...(org ? { org } : {}) },
    callerMeta(caller),
  );
  return shareResponse(result.state);
}
