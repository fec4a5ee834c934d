/**
 * `POST /v1/admin/replay` across the archive (docs/event-log.md, "Archive"): every archived
 * object is read back (and checked against its tombstone), then the whole log, archive and
 * live merged by seq, is replayed into shadow tables and compared with the live projections.
 * Rows that aged out of the history window are dropped from the rebuild too.
 */
import type { RecordedEvent } from "../../../events/types";
import { type VerifyReport, verifyProjections } from "../../../projections/verify";
import type { FleetDeps } from "../deps";
import { deleteAgedRows } from "./age-projections";
import { toRecordedEvent } from "./archive-object";
import { readArchivedObject } from "./archive-reader";
import { agedStreams, allTombstones } from "./tombstones";

export async function replayAcrossArchive(deps: FleetDeps): Promise<VerifyReport> {
  const tombstones = allTombstones(deps.sql);
  const archived: RecordedEvent[] = [];
  for (const tombstone of tombstones) {
    for (const line of await readArchivedObject(deps, tombstone)) archived.push(toRecordedEvent(line));
  }
  archived.sort((a, b) => a.seq - b.seq);
  const archivedStreams = new Set(tombstones.filter((t) => t.final).map((t) => t.stream));
  const aged = agedStreams(deps.sql);
  return verifyProjections(deps.storage, {
    archived,
    archivedStreams,
    afterReplay: (sql, table) => {
      for (const stream of aged) deleteAgedRows(sql, stream, table);
    },
  });
}
