/**
 * One stream's events by version, archived and live (docs/event-log.md, "Archive"): the lease
 * trail (`GET /v1/leases/{id}/events`) keeps showing a lease whose events moved to R2 while its
 * row is inside the history window. Archived versions come first (1…archivedThrough), then live.
 */
import type { RecordedEvent } from "../../../events/types";
import type { FleetDeps } from "../deps";
import { toRecordedEvent } from "./archive-object";
import { readArchivedObject } from "./archive-reader";
import { tombstonesOfStream } from "./tombstones";

/** Up to `limit` events of `stream` after `afterVersion`, in version order. */
export async function readStreamAcrossArchive(
  deps: FleetDeps,
  stream: string,
  afterVersion: number,
  limit: number,
): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let through = afterVersion;
  for (const tombstone of tombstonesOfStream(deps.sql, stream)) {
    if (events.length >= limit) return events;
    if (tombstone.lastVersion <= afterVersion) continue;
    for (const line of await readArchivedObject(deps, tombstone)) {
      if (line.version > afterVersion && events.length < limit) events.push(toRecordedEvent(line));
    }
    through = Math.max(through, tombstone.lastVersion);
  }
  if (events.length >= limit) return events;
  return [...events, ...deps.store.readStream(stream, through, limit - events.length)];
}
