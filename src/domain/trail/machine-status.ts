/**
 * "Why is this machine still running?" answered from the lease record and its trail
 * (docs/event-log.md#the-trail-as-sentences): the first line of the portal's lease page and of
 * `crabbox events --lease`.
 */
import type { LogEvent } from "../../api/admin";
import type { LeaseRecord } from "../../api/leases";
import { eventSentence } from "./sentence";
import { clock, span } from "./words";

function when(iso: string | undefined, now: number): string {
  if (!iso) return "at an unknown time";
  const at = Date.parse(iso);
  const delta = at - now;
  return `${delta >= 0 ? `in ${span(delta)}` : `${span(-delta)} ago`} (${clock(at)})`;
}

/** Which limit ends an active lease: the idle timeout or the TTL. */
function binding(lease: LeaseRecord): string {
  const ttlEnd = Date.parse(lease.createdAt) + lease.ttlSeconds * 1000;
  return Date.parse(lease.expiresAt) < ttlEnd ? "the idle timeout, unless a heartbeat comes" : "its TTL";
}

const lastOf = (trail: readonly LogEvent[], type: string) => trail.findLast((event) => event.type === type);

/** One or two sentences: whether the machine runs, why, and what ends it. */
export function machineStatus(lease: LeaseRecord, trail: readonly LogEvent[], now: number): string {
  switch (lease.state) {
    case "provisioning":
      return `The machine is being provisioned: requested ${when(lease.createdAt, now)}, no machine yet.`;
    case "active":
      return `Running because the lease is active: last heartbeat ${when(lease.lastTouchedAt, now)}; it ends at ${binding(lease)} ${when(lease.expiresAt, now)}.`;
    case "released":
    case "expired":
    case "failed":
      return endedStatus(lease, trail, now);
    default: {
      const never: never = lease.state;
      return String(never);
    }
  }
}

function endedStatus(lease: LeaseRecord, trail: readonly LogEvent[], now: number): string {
  const ended = `The lease ${lease.state} ${when(lease.endedAt, now)}`;
  switch (lease.machineState) {
    case "deleted":
      return `${ended}; its machine is deleted.`;
    case "none":
    case undefined:
      return `${ended}; no machine was ever recorded.`;
    case "kept":
      return `Still running on purpose: ${ended} with keep; the machine is deleted at the lease's TTL ${when(new Date(Date.parse(lease.createdAt) + lease.ttlSeconds * 1000).toISOString(), now)}.`;
    case "delete_requested":
      return `${ended}; deleting its machine is under way.`;
    case "delete_failed": {
      const failed = lastOf(trail, "MachineDeleteFailed");
      const why = failed ? ` Last: ${eventSentence(failed)}.` : "";
      return `Still running: ${ended}, but deleting its machine failed ${lease.deleteAttempts ?? 1} time(s); next try ${when(lease.nextDeleteAttemptAt, now)}.${why}`;
    }
    default:
      return `${ended}; machine ${lease.machineState}.`;
  }
}
