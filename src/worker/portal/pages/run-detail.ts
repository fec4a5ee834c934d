import type { RunEventRecord, RunRecord } from "../../../api/runs";
import type { TelemetrySample } from "../../../api/telemetry";
import { bytes, duration, percent, relative, timestamp } from "../format";
import { html, join, type SafeHtml } from "../html";
import { badge, commandLine, facts, runHref, runTable } from "./parts";

/** Lines of log shown on the page; the full retained tail is one link away. */
export const logTailLines = 200;

export function logTail(log: string): { text: string; omitted: number } {
  const lines = log.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const omitted = Math.max(0, lines.length - logTailLines);
  return { text: lines.slice(omitted).join("\n"), omitted };
}

function sample(label: string, s: TelemetrySample | undefined): [string, string | undefined] {
  if (!s) return [label, undefined];
  return [
    label,
    `${timestamp(s.capturedAt)} · load ${s.load1 ?? "—"} · mem ${percent(s.memoryPercent)} · disk ${percent(s.diskPercent)}`,
  ];
}

function results(run: RunRecord): SafeHtml {
  const r = run.results;
  if (!r) return html`<p class="muted">No JUnit results were reported.</p>`;
  const failures = r.failed.map(
    (f) => html`<li><strong>${f.suite} › ${f.name}</strong> <span class="badge s-failed">${f.kind}</span>
${f.file ? html` <code>${f.file}</code>` : ""}${f.message ? html`<pre>${f.message}</pre>` : ""}</li>`,
  );
  return html`<p>${r.tests} tests in ${r.suites} suites: <strong>${r.failures}</strong> failures, <strong>${r.errors}</strong> errors,
${r.skipped} skipped (${duration(r.timeSeconds * 1000)}).</p>${failures.length ? html`<ul>${join(failures)}</ul>` : ""}`;
}

/** The list only: the files themselves stay on the computer that ran `crabbox run`. */
function artifacts(run: RunRecord): SafeHtml {
  const list = run.artifacts ?? [];
  if (list.length === 0) return html`<p class="muted">No artifacts were copied back.</p>`;
  const rows = list.map(
    (a) =>
      html`<tr><td><code>${a.path}</code></td><td>${bytes(a.bytes)}</td><td><code>${a.sha256}</code></td></tr>`,
  );
  return html`<p class="muted">Copied to <code>.crabbox/artifacts/${run.id}/</code> on the computer that ran it;
<code>crabbox artifacts ${run.id}</code> lists them.</p>
<div class="table-wrap"><table data-portal-table data-artifacts aria-label="Artifacts">
<thead><tr><th>Path</th><th>Size</th><th data-nosort>SHA-256</th></tr></thead>
<tbody>${join(rows)}</tbody></table></div>`;
}

function eventsTable(events: readonly RunEventRecord[]): SafeHtml {
  if (events.length === 0) return html`<p class="muted">No run events.</p>`;
  const rows = events.map(
    (e) => html`<tr><td>${e.seq}</td><td>${timestamp(e.createdAt)}</td><td><strong>${e.type}</strong></td>
<td>${e.phase ?? ""}</td><td>${e.stream ?? ""}</td><td>${e.message || e.data ? html`<code>${e.message ?? e.data}</code>` : ""}</td></tr>`,
  );
  return html`<div class="table-wrap"><table data-portal-table aria-label="Run events">
<thead><tr><th>#</th><th>Time</th><th>Type</th><th>Phase</th><th>Stream</th><th data-nosort>Message</th></tr></thead>
<tbody>${join(rows)}</tbody></table></div>`;
}

/** A `crabbox shard` run: its place in the group and the group's runs, by shard index. */
function shardGroup(run: RunRecord, group: readonly RunRecord[], now: number): SafeHtml {
  if (!run.shard) return html``;
  const byIndex = [...group].sort((a, b) => (a.shard?.index ?? 0) - (b.shard?.index ?? 0));
  const failed = byIndex.filter((r) => r.state !== "succeeded").length;
  return html`<section class="card" data-shard-group="${run.shard.group}"><h2>Shard ${run.shard.index} of ${run.shard.total}</h2>
<p>Group <a href="${`/portal/runs?shard=${encodeURIComponent(run.shard.group)}`}"><code>${run.shard.group}</code></a>:
${byIndex.length} of ${run.shard.total} runs recorded, ${failed} not succeeded.</p>
${runTable(byIndex, now, "Shard group runs")}</section>`;
}

export function runDetailBody(
  run: RunRecord,
  events: readonly RunEventRecord[],
  log: string,
  now: number,
  group: readonly RunRecord[] = [],
): SafeHtml {
  const tail = logTail(log);
  return html`<h1>Run <code>${run.id}</code> ${badge(run.state)}</h1>
<div class="grid">
<section class="card"><h2>Command</h2><pre data-command>${commandLine(run.command)}</pre>
${facts([
  ["Exit code", run.exitCode],
  ["Phase", run.phase],
  [
    "Lease",
    run.leaseID
      ? html`<a href="${`/portal/leases/${encodeURIComponent(run.leaseID)}`}">${run.slug ?? run.leaseID}</a>`
      : undefined,
  ],
  ["Machine", `${run.provider} · ${run.class} · ${run.serverType} · ${run.target}`],
  ["Owner", `${run.owner} (${run.org})`],
])}</section>
<section class="card"><h2>Timing</h2>
${facts([
  ["Started", `${timestamp(run.startedAt)} (${relative(run.startedAt, now)})`],
  ["Ended", run.endedAt ? timestamp(run.endedAt) : undefined],
  ["Sync", duration(run.syncMs)],
  ["Command", duration(run.commandMs)],
  ["Total", duration(run.durationMs)],
  sample("Telemetry at start", run.telemetry?.start),
  sample("Telemetry at end", run.telemetry?.end),
])}</section>
</div>
${shardGroup(run, group, now)}
<section class="card"><h2>Test results</h2>${results(run)}</section>
<section class="card"><h2>Artifacts</h2>${artifacts(run)}</section>
<section><h2>Log</h2>
<p class="muted">${run.logBytes !== undefined ? `${bytes(run.logBytes)} retained${run.logTruncated ? " (truncated by the client)" : ""}. ` : ""}
${tail.omitted > 0 ? `Showing the last ${logTailLines} lines. ` : ""}<a href="${`${runHref(run)}/logs`}">Full log</a></p>
<pre data-log>${tail.text || "(no output recorded yet)"}</pre></section>
<section><h2>Run events</h2>${eventsTable(events)}</section>`;
}
