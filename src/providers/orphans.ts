/**
 * The orphan sweep's decision, as a pure function. A crabbox-labelled cloud machine whose
 * lease is unknown to the log, or whose lease ended and whose deletion the log already
 * records, is an orphan only after it was seen in two complete inventories at least a
 * grace period apart (a create in flight, or a cloud's eventual consistency, is not an
 * orphan). It may be deleted only with proof that this coordinator created it: its lease
 * stream names exactly that cloud id on that provider. Everything else is reported only.
 * `keep=true` machines and machines of live leases are never orphans.
 *
 * The caller (the Fleet alarm) lists each provider, feeds the answer here with what the
 * log says about the leases, appends `OrphanDetected` / `OrphanDeleted`, and stores the
 * returned snapshot for the next sweep.
 */
import type { ProviderMachine, ProviderName } from "./provider";

export interface ProviderInventory {
  provider: ProviderName;
  takenAt: number;
  /** False when listing failed part-way (a page, a region): then nothing is decided. */
  complete: boolean;
  machines: ProviderMachine[];
}

/** What the event log says about one lease. */
export interface LeaseFacts {
  leaseID: string;
  state: "provisioning" | "active" | "ended";
  provider: ProviderName;
  /** Every cloud id the lease's stream names (MachineProvisioned, delete trail, adoption). */
  cloudIDs: readonly string[];
  /** The log records the lease's machine as deleted (MachineDeleted). */
  machineDeleted: boolean;
}

export type LeaseView = (leaseID: string) => LeaseFacts | undefined;

/** What the previous sweep of this provider remembered: candidate → first complete sighting. */
export interface OrphanSnapshot {
  provider: ProviderName;
  takenAt: number;
  firstSeen: Record<string, number>;
}

export type OrphanReason = "missing_lease_label" | "unknown_lease" | "lease_ended";

export interface OrphanDetection {
  provider: ProviderName;
  cloudID: string;
  name: string;
  region?: string;
  leaseID?: string;
  reason: OrphanReason;
  firstSeenAt: number;
  labels: Record<string, string>;
}

export interface OrphanDeletion {
  provider: ProviderName;
  cloudID: string;
  region?: string;
  leaseID: string;
  /** The lease stream that names this cloud id: why we may delete it. */
  proof: { stream: string; cloudID: string };
}

export interface OrphanDecision {
  detections: OrphanDetection[];
  deletions: OrphanDeletion[];
  snapshot: OrphanSnapshot;
}

export interface OrphanOptions {
  /** Keys (`provider:cloudID`) already recorded as OrphanDetected: not detected twice. */
  alreadyDetected?: ReadonlySet<string>;
  /** Report-only mode: detections but never deletions. */
  deleteEnabled?: boolean;
}

export function orphanKey(provider: ProviderName, cloudID: string): string {
  return `${provider}:${cloudID}`;
}

const leasePattern = /^cbx_[a-f0-9]{12}$/;

export function orphanReason(machine: ProviderMachine, view: LeaseView): OrphanReason | undefined {
  if (machine.labels.keep === "true") return undefined;
  const leaseID = machine.labels.lease ?? "";
  if (!leasePattern.test(leaseID)) return "missing_lease_label";
  const facts = view(leaseID);
  if (!facts) return "unknown_lease";
  switch (facts.state) {
    case "provisioning":
    case "active":
      return undefined;
    case "ended":
      // Until the log records the deletion, the delete retries own this machine.
      return facts.machineDeleted ? "lease_ended" : undefined;
  }
}

export function decideOrphans(
  inventory: ProviderInventory,
  leaseView: LeaseView,
  previous: OrphanSnapshot | undefined,
  now: number,
  graceMs: number,
  options: OrphanOptions = {},
): OrphanDecision {
  const prior = previous?.provider === inventory.provider ? previous : undefined;
  if (!inventory.complete) {
    return {
      detections: [],
      deletions: [],
      snapshot: prior ?? { provider: inventory.provider, takenAt: 0, firstSeen: {} },
    };
  }
  const firstSeen: Record<string, number> = {};
  const detections: OrphanDetection[] = [];
  const deletions: OrphanDeletion[] = [];
  for (const machine of inventory.machines) {
    if (machine.provider !== inventory.provider) continue;
    const reason = orphanReason(machine, leaseView);
    if (!reason) continue;
    const key = orphanKey(machine.provider, machine.cloudID);
    const seenBefore = prior?.firstSeen[key];
    const firstSeenAt = seenBefore ?? inventory.takenAt;
    firstSeen[key] = firstSeenAt;
    // Two complete inventories, a grace period apart.
    if (seenBefore === undefined || now - seenBefore < graceMs || inventory.takenAt - seenBefore < graceMs)
      continue;
    if (!options.alreadyDetected?.has(key)) {
      detections.push({
        provider: machine.provider,
        cloudID: machine.cloudID,
        name: machine.name,
        ...(machine.region ? { region: machine.region } : {}),
        ...(reason !== "missing_lease_label" ? { leaseID: machine.labels.lease } : {}),
        reason,
        firstSeenAt,
        labels: machine.labels,
      });
    }
    const proof = proofOfCreation(machine, leaseView);
    if (proof && options.deleteEnabled !== false) deletions.push(proof);
  }
  return {
    detections,
    deletions,
    snapshot: { provider: inventory.provider, takenAt: inventory.takenAt, firstSeen },
  };
}

/**
 * The log's own lease stream must name this exact cloud id on this provider; for a companion
 * (a NIC, IP, disk, security group or key pair found without its machine) it must name the
 * machine the companion was made for, and a companion that names no machine is never proven.
 */
export function proofOfCreation(machine: ProviderMachine, view: LeaseView): OrphanDeletion | undefined {
  const leaseID = machine.labels.lease ?? "";
  const facts = leasePattern.test(leaseID) ? view(leaseID) : undefined;
  const owner = machine.kind === undefined ? machine.cloudID : machine.ownerCloudID;
  if (!facts || !owner || facts.provider !== machine.provider || !facts.cloudIDs.includes(owner))
    return undefined;
  return {
    provider: machine.provider,
    cloudID: machine.cloudID,
    ...(machine.region ? { region: machine.region } : {}),
    leaseID,
    proof: { stream: `lease:${leaseID}`, cloudID: owner },
  };
}
