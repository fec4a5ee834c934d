import type { LogEvent, OrphanEntry, OrphansResponse } from "../../../api/admin";
import { timestamp } from "../format";
import { html, join, type SafeHtml } from "../html";
import { badge, leaseHref } from "./parts";
import { eventTable } from "./trail";

function leaseLine(entry: OrphanEntry): SafeHtml {
  const { lease, machine } = entry;
  if (lease)
    return html`<p>Labelled for lease <a href="${leaseHref(lease)}">${lease.slug}</a> ${badge(lease.state)} (machine ${lease.machineState}).</p>`;
  return html`<p>Labelled for lease <code>${machine.labels.lease ?? "(none)"}</code>, which this coordinator's log does not know.</p>`;
}

function sweepLine(entry: OrphanEntry): SafeHtml {
  const { sweep } = entry;
  const steps = [
    sweep.firstSeenAt ? `first seen ${timestamp(sweep.firstSeenAt)}` : "",
    sweep.detected ? `detected ${timestamp(sweep.detected.at)}` : "",
    sweep.deleted ? `deleted ${timestamp(sweep.deleted.at)}` : "",
    sweep.reportOnly === "no_proof" ? "report only: no lease stream names this machine" : "",
    sweep.reportOnly === "delete_disabled" ? "report only: the sweep does not delete" : "",
    sweep.proof ? `deletable: ${sweep.proof.stream} names it` : "",
  ].filter((step) => step !== "");
  return html`<p>Sweep ${badge(sweep.state)} <span class="muted">${entry.reason.replaceAll("_", " ")}${steps.length ? ` · ${steps.join(" · ")}` : ""}</span></p>`;
}

function orphanCard(entry: OrphanEntry): SafeHtml {
  const { machine, trail } = entry;
  return html`<section class="card" data-orphan="${machine.cloudID}"><h2>${machine.name} <span class="muted">${machine.provider}</span></h2>
<p><code>${machine.cloudID}</code> · ${machine.status}${machine.serverType ? ` · ${machine.serverType}` : ""}${machine.region ? ` · ${machine.region}` : ""}</p>
${leaseLine(entry)}
${sweepLine(entry)}
${trail.length ? eventTable(trail, `Trail of ${machine.name}`, false) : ""}</section>`;
}

/** The sweep's own events (`fleet` stream) about the machines listed, in log order. */
function sweepHistory(report: OrphansResponse): LogEvent[] {
  const bySeq = new Map<number, LogEvent>();
  for (const entry of report.orphans)
    for (const event of entry.trail) if (event.stream === "fleet") bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * The orphans page, from `GET /v1/admin/orphans`'s answer: a card per machine the providers
 * list that no live lease owns (with the sweep's state and the trail explaining it), then the
 * sweep's detections and deletions.
 */
export function orphansBody(report: OrphansResponse): SafeHtml {
  const listed = report.orphans.filter((entry) => entry.machine.inInventory);
  const inventoryCount = report.inventories.reduce((sum, inventory) => sum + inventory.machines, 0);
  const incomplete = report.inventories.filter((inventory) => !inventory.complete);
  return html`<h1>Orphans</h1>
<p class="muted">${inventoryCount} crabbox-labelled resources in the configured providers' inventories;
${listed.length} without a live lease. The sweep deletes one only after two inventories a grace period apart and proof from the lease's stream.</p>
${incomplete.length ? html`<div class="card flash">Inventory incomplete for ${incomplete.map((i) => `${i.provider} (${i.error ?? "failed"})`).join(", ")}.</div>` : ""}
${listed.length ? join(listed.map(orphanCard)) : html`<div class="card flash">No provider resource is without a live lease.</div>`}
<h2>Sweep history</h2>${eventTable(sweepHistory(report), "Orphan sweep events", false)}`;
}
