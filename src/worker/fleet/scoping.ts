import type { Identity } from "../context";

/**
 * Who may see and act on what (docs/api.md#scoping: an admin sees every lease on
 * every route, not only on the list).
 *
 * - admin → owner rights on everything;
 * - same owner AND org → owner;
 * - a share entry for the caller's e-mail/login, or an org grant when the caller is in the
 *   lease's org → `use` or `manage` (the stronger wins).
 * Runs have no sharing: admin or exact owner+org.
 */

export type ShareRole = "use" | "manage";
export type LeaseRole = "owner" | ShareRole | "none";

export interface LeaseShare {
  users?: Record<string, ShareRole>;
  org?: ShareRole;
}

export interface Owned {
  owner: string;
  org: string;
}

export interface Shareable extends Owned {
  share?: LeaseShare | null;
}

type Caller = Pick<Identity, "admin" | "owner" | "org">;

export function shareKey(user: string): string {
  return user.trim().toLowerCase();
}

export function leaseRole(lease: Shareable, caller: Caller): LeaseRole {
  if (caller.admin) return "owner";
  if (lease.owner === caller.owner && lease.org === caller.org) return "owner";
  const userRole = lease.share?.users?.[shareKey(caller.owner)];
  const orgRole = lease.org === caller.org ? lease.share?.org : undefined;
  if (userRole === "manage" || orgRole === "manage") return "manage";
  if (userRole === "use" || orgRole === "use") return "use";
  return "none";
}

export function canSeeLease(lease: Shareable, caller: Caller): boolean {
  return leaseRole(lease, caller) !== "none";
}

export function canManageLease(lease: Shareable, caller: Caller): boolean {
  const role = leaseRole(lease, caller);
  return role === "owner" || role === "manage";
}

export function canSeeRun(run: Owned, caller: Caller): boolean {
  return caller.admin || (run.owner === caller.owner && run.org === caller.org);
}
