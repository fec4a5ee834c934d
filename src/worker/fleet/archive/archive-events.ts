/**
 * `GET /v1/admin/events` across the archive (docs/event-log.md, "Archive"): pages through
 * archived ranges transparently, reading R2. Archived events are upcast on read like live rows
 * and name the object they came from (`archivedIn`).
 */
import type { AdminEventsQuery, EventsPage, LogEvent } from "../../../api/admin";
import type { FleetDeps } from "../deps";
import { toLogEvent } from "../events-page";
import { type ArchivedLine, toRecordedEvent } from "./archive-object";
import { archivedSlice, mergePage } from "./archive-reader";

function matches(line: ArchivedLine, query: AdminEventsQuery): boolean {
  return (
    (query.stream === undefined || line.stream === query.stream) &&
    (query.type === undefined || line.type === query.type) &&
    (query.owner === undefined || line.owner === query.owner) &&
    (query.since === undefined || line.at >= query.since) &&
    (query.until === undefined || line.at < query.until)
  );
}

export async function eventsPageAcrossArchive(deps: FleetDeps, query: AdminEventsQuery): Promise<EventsPage> {
  const page = deps.store.readAll({
    after: query.after,
    limit: query.limit,
    ...(query.stream ? { stream: query.stream } : {}),
    ...(query.type ? { type: query.type } : {}),
    ...(query.owner ? { owner: query.owner } : {}),
    ...(query.since !== undefined ? { since: query.since } : {}),
    ...(query.until !== undefined ? { until: query.until } : {}),
  });
  const hashes = deps.store.hashesOf(page.events.map((e) => e.seq));
  const live: LogEvent[] = page.events.map((e) => ({
    ...toLogEvent(e),
    ...(hashes.has(e.seq) ? { hash: hashes.get(e.seq) } : {}),
  }));
  const slice = await archivedSlice(deps, query.after ?? 0, Number.MAX_SAFE_INTEGER, {
    ...(query.stream ? { stream: query.stream } : {}),
    ...(query.since !== undefined ? { sinceAt: query.since } : {}),
  });
  const archived: LogEvent[] = slice.lines
    .filter((line) => matches(line, query))
    .map((line) => ({
      ...toLogEvent(toRecordedEvent(line)),
      hash: line.hash,
      archivedIn: slice.objectOf.get(line.seq) ?? "",
    }));
  const merged = mergePage(
    live,
    page.nextAfter ?? Number.POSITIVE_INFINITY,
    archived,
    slice.completeThrough,
    query.limit ?? 500,
  );
  return { events: merged.items, ...(merged.next !== null ? { next: merged.next } : {}) };
}
