/** Pieces several pages share: state badges, the lease and run tables (the trail is `trail.ts`). */
import type { LeaseRecord } from "../../../api/leases";
import type { RunRecord } from "../../../api/runs";
import { duration, relative } from "../format";
import { html, join, type SafeHtml } from "../html";

export function badge(state: string): SafeHtml {
  return html`<span class="badge s-${state.replace(/[^a-z_]/g, "")}">${state}</span>`;
}

export function leaseHref(lease: Pick<LeaseRecord, "id">): string {
  return `/portal/leases/${encodeURIComponent(lease.id)}`;
}

export function runHref(run: Pick<RunRecord, "id">): string {
  return `/portal/runs/${encodeURIComponent(run.id)}`;
}

export function leaseTable(leases: readonly LeaseRecord[], now: number, label: string): SafeHtml {
  if (leases.length === 0) return html`<p class="muted">No leases match.</p>`;
  const rows = leases.map(
    (lease) => html`<tr data-lease="${lease.id}">
<td data-sort="${lease.slug}"><a href="${leaseHref(lease)}">${lease.slug}</a><br><code class="muted">${lease.id}</code></td>
<td>${badge(lease.state)}</td>
<td>${lease.provider}</td>
<td class="hide-narrow">${lease.class ?? "—"}<span class="muted">${lease.serverType ? ` · ${lease.serverType}` : ""}</span></td>
<td class="hide-narrow">${lease.target}</td>
<td>${lease.owner}</td>
<td data-sort="${Date.parse(lease.createdAt)}">${relative(lease.createdAt, now)}</td>
<td data-sort="${Date.parse(lease.expiresAt)}">${lease.state === "active" || lease.state === "provisioning" ? relative(lease.expiresAt, now) : "ended"}</td>
</tr>`,
  );
  return html`<div class="table-wrap"><table data-portal-table aria-label="${label}">
<thead><tr><th>Lease</th><th>State</th><th>Provider</th><th class="hide-narrow">Class</th><th class="hide-narrow">Target</th><th>Owner</th><th>Age</th><th>Expires</th></tr></thead>
<tbody>${join(rows)}</tbody></table></div>`;
}

export function commandLine(command: readonly string[]): string {
  return command
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
    .join(" ");
}

export function runTable(runs: readonly RunRecord[], now: number, label: string): SafeHtml {
  if (runs.length === 0) return html`<p class="muted">No runs match.</p>`;
  const rows = runs.map(
    (run) => html`<tr>
<td data-sort="${run.id}"><a href="${runHref(run)}"><code>${run.id}</code></a>${run.shard ? html` <span class="badge" title="${`shard group ${run.shard.group}`}">shard ${run.shard.index}/${run.shard.total}</span>` : ""}</td>
<td>${badge(run.state)}</td>
<td>${run.exitCode ?? "—"}</td>
<td><code>${commandLine(run.command)}</code></td>
<td>${run.slug ? html`<a href="${`/portal/leases/${encodeURIComponent(run.leaseID)}`}">${run.slug}</a>` : run.leaseID || "—"}</td>
<td class="hide-narrow">${run.owner}</td>
<td data-sort="${Date.parse(run.startedAt)}">${relative(run.startedAt, now)}</td>
<td data-sort="${run.durationMs ?? 0}">${duration(run.durationMs)}</td>
</tr>`,
  );
  return html`<div class="table-wrap"><table data-portal-table aria-label="${label}">
<thead><tr><th>Run</th><th>State</th><th>Exit</th><th>Command</th><th>Lease</th><th class="hide-narrow">Owner</th><th>Started</th><th>Duration</th></tr></thead>
<tbody>${join(rows)}</tbody></table></div>`;
}

export function facts(
  entries: ReadonlyArray<readonly [string, SafeHtml | string | number | undefined]>,
): SafeHtml {
  return html`<dl class="facts">${entries
    .filter(([, value]) => value !== undefined && value !== "")
    .map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>`;
}

export function option(value: string, label: string, selected: string | undefined): SafeHtml {
  return html`<option value="${value}"${value === (selected ?? "") ? html` selected` : ""}>${label}</option>`;
}
