import type { EventsPage, ReplayReport } from "../../../api/admin";
import { compactJson } from "../format";
import { html, join, type SafeHtml } from "../html";
import { eventTable } from "./trail";

export const auditFilterNames = ["stream", "type", "owner", "since", "until"] as const;
export type AuditFilters = Partial<Record<(typeof auditFilterNames)[number], string>>;

function pageLink(filters: AuditFilters, after: number): string {
  const query = new URLSearchParams();
  for (const name of auditFilterNames) if (filters[name]) query.set(name, filters[name] as string);
  if (after > 0) query.set("after", String(after));
  const text = query.toString();
  return `/portal/admin/audit${text ? `?${text}` : ""}`;
}

export function auditBody(events: EventsPage, filters: AuditFilters, after: number): SafeHtml {
  return html`<h1>Audit log</h1>
<div class="card"><form method="post" action="/portal/admin/audit/verify">
<p>Rebuild every projection from the log in shadow tables and compare them with the live ones.</p>
<button type="submit">Verify projections</button></form></div>
<form class="filters" method="get" action="/portal/admin/audit" aria-label="Filter the log">
<label>Stream<input name="stream" value="${filters.stream ?? ""}" placeholder="lease:cbx_… / run:… / fleet"></label>
<label>Type<input name="type" value="${filters.type ?? ""}" placeholder="Released"></label>
<label>Owner<input name="owner" value="${filters.owner ?? ""}"></label>
<label>Since<input name="since" value="${filters.since ?? ""}" placeholder="2026-01-01T00:00:00Z"></label>
<label>Until<input name="until" value="${filters.until ?? ""}"></label>
<button type="submit">Filter</button> <a href="/portal/admin/audit">Clear</a></form>
${eventTable(events.events, "Event log", true)}
<div class="pager">${after > 0 ? html`<a href="${pageLink(filters, 0)}">First page</a>` : ""}
${events.next !== undefined ? html`<a href="${pageLink(filters, events.next)}">Next page</a>` : html`<span class="muted">End of the log.</span>`}</div>`;
}

export function verifyBody(report: ReplayReport): SafeHtml {
  const rows = report.differences.map(
    (d) => html`<tr><td>${d.table}</td><td><code>${d.key}</code></td><td>${d.kind}</td>
<td><code>${compactJson(d.live)}</code></td><td><code>${compactJson(d.rebuilt)}</code></td></tr>`,
  );
  return html`<h1>Projection check</h1>
<div class="card flash${report.ok ? "" : " bad"}" role="status" data-verify-result="${report.ok ? "ok" : "different"}">
<p><strong>${report.ok ? "Projections match the log." : `${report.differences.length} difference(s) found.`}</strong>
Replayed ${report.events} events into shadow tables and compared every row.</p></div>
${
  rows.length
    ? html`<div class="table-wrap"><table data-portal-table aria-label="Differences"><thead><tr><th>Table</th><th>Key</th><th>Kind</th><th>Live</th><th>Rebuilt</th></tr></thead>
<tbody>${join(rows)}</tbody></table></div>`
    : ""
}
<p><a href="/portal/admin/audit">Back to the audit log</a></p>`;
}
