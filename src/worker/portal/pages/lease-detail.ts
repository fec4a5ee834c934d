import type { EventsPage } from "../../../api/admin";
import type { LeaseRecord } from "../../../api/leases";
import type { RunRecord } from "../../../api/runs";
import type { TelemetrySample } from "../../../api/telemetry";
import { machineStatus } from "../../../domain/trail/machine-status";
import { type Point, trendChart } from "../charts";
import { bytes, percent, relative, timestamp, usd } from "../format";
import { html, type SafeHtml } from "../html";
import { badge, facts, leaseHref, runTable } from "./parts";
import { eventTable } from "./trail";

export interface LeaseDetail {
  lease: LeaseRecord;
  runs: RunRecord[];
  /** Absent when the caller may use but not manage the lease (the trail is for managers). */
  trail?: EventsPage;
  trailAfter: number;
  canManage: boolean;
  released: boolean;
  now: number;
}

const live = (lease: LeaseRecord) => lease.state === "active" || lease.state === "provisioning";

export function sshCommand(lease: LeaseRecord): string | undefined {
  if (!lease.host) return undefined;
  const user = lease.sshUser ?? "crabbox";
  return `ssh -p ${lease.sshPort ?? 22} ${user}@${lease.host}`;
}

/** Cost so far at the estimated hourly price, and what the lease reserved against the caps. */
export function costSoFar(lease: LeaseRecord, now: number): number | undefined {
  if (lease.estimatedHourlyUSD === undefined) return undefined;
  const end = lease.endedAt ? Date.parse(lease.endedAt) : now;
  const hours = Math.max(0, end - Date.parse(lease.createdAt)) / 3_600_000;
  return lease.estimatedHourlyUSD * hours;
}

function series(
  samples: readonly TelemetrySample[],
  pick: (s: TelemetrySample) => number | undefined,
): Point[] {
  return samples.flatMap((s) => {
    const value = pick(s);
    return value === undefined ? [] : [{ at: Date.parse(s.capturedAt), value }];
  });
}

function telemetry(lease: LeaseRecord): SafeHtml {
  const history = lease.telemetryHistory ?? (lease.telemetry ? [lease.telemetry] : []);
  const latest = lease.telemetry ?? history.at(-1);
  if (!latest) return html`<p class="muted">No telemetry yet: the CLI sends it with heartbeats.</p>`;
  return html`${facts([
    ["Captured", `${timestamp(latest.capturedAt)}${latest.source ? ` (${latest.source})` : ""}`],
    ["Load", `${latest.load1 ?? "—"} / ${latest.load5 ?? "—"} / ${latest.load15 ?? "—"}`],
    [
      "Memory",
      `${bytes(latest.memoryUsedBytes)} of ${bytes(latest.memoryTotalBytes)} (${percent(latest.memoryPercent)})`,
    ],
    [
      "Disk",
      `${bytes(latest.diskUsedBytes)} of ${bytes(latest.diskTotalBytes)} (${percent(latest.diskPercent)})`,
    ],
  ])}
<div class="grid">
${trendChart(
  "Load (1 min)",
  series(history, (s) => s.load1),
  "",
)}
${trendChart(
  "Memory",
  series(history, (s) => s.memoryPercent),
  "%",
  100,
)}
${trendChart(
  "Disk",
  series(history, (s) => s.diskPercent),
  "%",
  100,
)}
</div>`;
}

function trailSection(detail: LeaseDetail): SafeHtml {
  if (!detail.trail)
    return html`<p class="muted">The event trail is shown to the lease's owner, managers and admins.</p>`;
  const { events, next } = detail.trail;
  const base = leaseHref(detail.lease);
  return html`${eventTable(events, "Event trail", false)}
<div class="pager">${detail.trailAfter > 0 ? html`<a href="${`${base}#trail`}">First events</a>` : ""}
${next !== undefined ? html`<a href="${`${base}?after=${next}#trail`}">Later events</a>` : ""}</div>`;
}

export function leaseDetailBody(detail: LeaseDetail): SafeHtml {
  const { lease, now } = detail;
  // An ended lease has no machine to connect to, whatever address it once had.
  const ssh = live(lease) ? sshCommand(lease) : undefined;
  const cost = costSoFar(lease, now);
  return html`<h1>${lease.slug} ${badge(lease.state)}</h1>
<p class="card" role="status" data-machine-status>${machineStatus(lease, detail.trail?.events ?? [], now)}</p>
${detail.released ? html`<div class="card flash" role="status">Released. The machine clean-up is in the trail below.</div>` : ""}
<div class="grid">
<section class="card" aria-labelledby="conn"><h2 id="conn">Connection</h2>
${
  ssh
    ? html`<div class="copy-row"><code data-ssh>${ssh}</code><button type="button" class="secondary" data-copy="${ssh}" hidden>Copy</button></div>
<p class="muted">Use the lease's key: <code>crabbox ssh --id ${lease.slug}</code></p>`
    : html`<p class="muted">${live(lease) ? "No address yet." : "The lease has ended."}</p>`
}
${facts([
  ["Lease ID", html`<code>${lease.id}</code>`],
  ["Provider", `${lease.provider}${lease.region ? ` · ${lease.region}` : ""}`],
  ["Class", `${lease.class ?? "—"}${lease.serverType ? ` · ${lease.serverType}` : ""}`],
  ["Target", lease.target],
  ["Work root", lease.workRoot],
  ["Machine", lease.machineState],
])}</section>
<section class="card" aria-labelledby="time"><h2 id="time">Time and cost</h2>
${facts([
  ["Owner", `${lease.owner} (${lease.org})`],
  ["Created", `${timestamp(lease.createdAt)} (${relative(lease.createdAt, now)})`],
  [
    "Expires",
    live(lease)
      ? html`${timestamp(lease.expiresAt)} (<span data-countdown="${lease.expiresAt}">${relative(lease.expiresAt, now)}</span>)`
      : "ended",
  ],
  ["Ended", lease.endedAt ? timestamp(lease.endedAt) : undefined],
  ["TTL / idle", `${lease.ttlSeconds}s / ${lease.idleTimeoutSeconds}s`],
  ["Hourly", usd(lease.estimatedHourlyUSD)],
  ["Cost so far", usd(cost)],
  ["Reserved", usd(lease.maxEstimatedUSD)],
  ["Failure", lease.failureMessage],
])}
${
  detail.canManage && live(lease)
    ? html`<p><a class="button danger" href="${`${leaseHref(lease)}/release`}">Release…</a></p>`
    : ""
}</section>
</div>
<section class="card" aria-labelledby="tele"><h2 id="tele">Telemetry</h2>${telemetry(lease)}</section>
<section aria-labelledby="runs"><h2 id="runs">Recent runs</h2>${runTable(detail.runs, now, "Recent runs")}</section>
<section aria-labelledby="trail"><h2 id="trail">Event trail</h2>${trailSection(detail)}</section>`;
}

export function releaseConfirmBody(lease: LeaseRecord): SafeHtml {
  return html`<h1>Release ${lease.slug}?</h1>
<div class="card"><p>The lease ends now and its machine (<code>${lease.id}</code>, ${lease.provider}) is deleted${lease.keep ? " unless it was kept" : ""}.
Commands running on it are cut off.</p>
<form method="post" action="${`${leaseHref(lease)}/release`}">
<button type="submit" class="danger">Release ${lease.slug}</button> <a href="${leaseHref(lease)}">Cancel</a>
</form></div>`;
}
