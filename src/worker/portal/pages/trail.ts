/**
 * The event trail as sentences (docs/event-log.md#the-trail-as-sentences): one row per event,
 * one per run of heartbeats, with the raw JSON of the events behind each row one click away.
 */
import type { LogEvent } from "../../../api/admin";
import { type TrailRow, trailRows } from "../../../domain/trail/rows";
import { compactJson, timestamp } from "../format";
import { html, join, type SafeHtml } from "../html";

function actorOf(meta: unknown): string {
  if (typeof meta !== "object" || meta === null) return "—";
  const actor = (meta as { actor?: { kind?: unknown; owner?: unknown } }).actor;
  if (!actor) return "—";
  return `${String(actor.owner ?? "?")} (${String(actor.kind ?? "?")})`;
}

function streamLink(stream: string): SafeHtml {
  const [kind, id] = stream.split(/:(.*)/s);
  if (kind === "lease" && id)
    return html`<a href="${`/portal/leases/${encodeURIComponent(id)}`}">${stream}</a>`;
  if (kind === "run" && id) return html`<a href="${`/portal/runs/${encodeURIComponent(id)}`}">${stream}</a>`;
  return html`${stream}`;
}

function rowHtml(row: TrailRow, withStream: boolean): SafeHtml {
  const first = row.events[0] as LogEvent;
  const last = row.events.at(-1) as LogEvent;
  const many = row.events.length > 1;
  const raw = row.events.map((event) =>
    compactJson({ seq: event.seq, type: event.type, at: event.at, data: event.data }),
  );
  return html`<tr data-trail-row="${first.type}"${many ? html` data-collapsed="${row.events.length}"` : ""}>
<td data-sort="${first.seq}">${many ? `${first.seq}–${last.seq}` : first.seq}</td>
<td class="nowrap" data-sort="${first.at}">${many ? `${timestamp(first.at)} – ${timestamp(last.at)}` : timestamp(first.at)}</td>
${withStream ? html`<td>${streamLink(first.stream)}</td>` : ""}
<td><strong>${many ? `${first.type} ×${row.events.length}` : first.type}</strong></td>
<td>${actorOf(first.meta)}</td>
<td><span data-sentence>${row.sentence}</span>
<details><summary>raw</summary><pre><code>${raw.join("\n")}</code></pre></details></td>
</tr>`;
}

/** The log entries in order (oldest first, newest last), as sentences, with who caused each. */
export function eventTable(events: readonly LogEvent[], label: string, withStream: boolean): SafeHtml {
  if (events.length === 0) return html`<p class="muted">No events.</p>`;
  const rows = trailRows(events).map((row) => rowHtml(row, withStream));
  return html`<div class="table-wrap"><table data-portal-table aria-label="${label}">
<thead><tr><th>#</th><th>Time</th>${withStream ? html`<th>Stream</th>` : ""}<th>Event</th><th>Actor</th><th data-nosort>What happened</th></tr></thead>
<tbody>${join(rows)}</tbody></table></div>`;
}
