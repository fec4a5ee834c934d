import type { z } from "zod";
import type { OrphanEntry, OrphanReason, OrphanSweepState } from "../../../api/admin";
import { isLeaseLive, type LeaseState } from "../../../events/lease-state";
import type { orphanDeletedSchema, orphanDetectedSchema } from "../../../events/payloads/fleet";
import type { RecordedEvent } from "../../../events/types";
import {
  type LeaseView,
  type OrphanSnapshot,
  orphanKey,
  orphanReason,
  proofOfCreation,
} from "../../../providers/orphans";
import type { ProviderMachine } from "../../../providers/provider";

/** How the orphan report classifies one machine and shows what the sweep did about it. */

export type Detected = RecordedEvent<"OrphanDetected", z.infer<typeof orphanDetectedSchema>>;
export type Deleted = RecordedEvent<"OrphanDeleted", z.infer<typeof orphanDeletedSchema>>;

/** What the `fleet` stream says about one machine. */
export interface Recorded {
  detected: Detected;
  /** Set when the latest detection was closed by a deletion. */
  deleted?: Deleted;
  events: RecordedEvent[];
}

/** Why the machine is listed; undefined when a live lease owns it. */
export function classify(
  machine: ProviderMachine,
  view: LeaseView,
  lease: LeaseState | undefined,
): OrphanReason | undefined {
  const candidate = orphanReason(machine, view);
  if (candidate) return candidate;
  if (lease && isLeaseLive(lease.state)) return undefined;
  if (machine.labels.keep === "true" || lease?.machineState === "kept") return "kept";
  // Ended, with its machine's deletion still carried out by the lease's own retries.
  return lease ? "lease_delete_pending" : undefined;
}

const sweepCandidates: ReadonlySet<OrphanReason> = new Set([
  "missing_lease_label",
  "unknown_lease",
  "lease_ended",
]);

export function eventRef(event: RecordedEvent) {
  return { eventID: event.id, seq: event.seq, at: new Date(event.at).toISOString() };
}

export function sweepView(
  machine: ProviderMachine,
  inInventory: boolean,
  reason: OrphanReason,
  found: Recorded | undefined,
  snapshot: OrphanSnapshot | undefined,
  view: LeaseView,
  deleteEnabled: boolean,
): OrphanEntry["sweep"] {
  const candidate = sweepCandidates.has(reason);
  const firstSeen = candidate ? snapshot?.firstSeen[orphanKey(machine.provider, machine.cloudID)] : undefined;
  const state: OrphanSweepState =
    found && !found.deleted
      ? "detected"
      : found?.deleted && !inInventory
        ? "deleted"
        : firstSeen !== undefined
          ? "first_seen"
          : candidate
            ? "pending"
            : "skipped";
  const proof = candidate ? proofOfCreation(machine, view) : undefined;
  return {
    state,
    ...(firstSeen !== undefined ? { firstSeenAt: new Date(firstSeen).toISOString() } : {}),
    ...(found ? { detected: eventRef(found.detected) } : {}),
    ...(found?.deleted
      ? { deleted: { ...eventRef(found.deleted), alreadyGone: found.deleted.data.alreadyGone } }
      : {}),
    ...(proof ? { proof: proof.proof } : {}),
    ...(candidate && !proof ? { reportOnly: "no_proof" as const } : {}),
    ...(candidate && proof && !deleteEnabled ? { reportOnly: "delete_disabled" as const } : {}),
  };
}

export function lastSeq(found: Recorded): number {
  return found.events.at(-1)?.seq ?? 0;
}
