import type { LogEvent, PoolMachine } from "../../../api/admin";
import type { LeaseRecord } from "../../../api/leases";
import { html, join, type SafeHtml } from "../html";
import { badge, eventTable, leaseHref } from "./parts";

export interface OrphanCandidate {
  machine: PoolMachine;
  /** The lease the machine's labels name, when the log knows it. */
  lease?: LeaseRecord;
  /** The last events of that lease's stream: why the machine should be gone. */
  trail: LogEvent[];
}

const liveStates = new Set(["provisioning", "active"]);

/**
 * Provider resources without a live lease: labelled for a lease that ended or that this
 * coordinator never recorded. Unlabelled resources are not crabbox's and are not listed.
 */
export function orphanMachines(
  machines: readonly PoolMachine[],
  leases: readonly LeaseRecord[],
): PoolMachine[] {
  const live = new Set(leases.filter((l) => liveStates.has(l.state)).map((l) => l.id));
  return machines.filter((m) => m.labels.crabbox === "true" && !live.has(m.labels.lease ?? ""));
}

function candidateCard(candidate: OrphanCandidate): SafeHtml {
  const { machine, lease, trail } = candidate;
  return html`<section class="card" data-orphan="${machine.cloudID}"><h2>${machine.name} <span class="muted">${machine.provider}</span></h2>
<p><code>${machine.cloudID}</code> · ${machine.status} · ${machine.serverType}${machine.region ? ` · ${machine.region}` : ""}</p>
${
  lease
    ? html`<p>Labelled for lease <a href="${leaseHref(lease)}">${lease.slug}</a> ${badge(lease.state)}${lease.machineState ? ` (machine ${lease.machineState})` : ""}.</p>`
    : html`<p>Labelled for lease <code>${machine.labels.lease ?? "(none)"}</code>, which this coordinator's log does not know.</p>`
}
${trail.length ? eventTable(trail, `Trail of ${machine.name}`, false) : ""}</section>`;
}

export function orphansBody(
  candidates: readonly OrphanCandidate[],
  sweepEvents: readonly LogEvent[],
  inventoryCount: number,
): SafeHtml {
  return html`<h1>Orphans</h1>
<p class="muted">${inventoryCount} crabbox-labelled resources in the configured providers' inventories;
${candidates.length} without a live lease. The sweep deletes one only after two inventories a grace period apart and proof from the lease's stream.</p>
${candidates.length ? join(candidates.map(candidateCard)) : html`<div class="card flash">No provider resource is without a live lease.</div>`}
<h2>Sweep history</h2>${eventTable(sweepEvents, "Orphan sweep events", false)}`;
}
