/**
 * `POST /v1/admin/replay` across the archive (docs/event-log.md, "Archive"). The archived
 * objects are streamed back one at a time, in first-seq order (so each stream's objects in
 * version order), and folded into shadow tables as their lines arrive; none is held whole.
 * Then, in one transaction, the live log is folded after them and the rebuild is compared with
 * the live projections. Projections fold each stream on its own and a stream's archived events
 * all precede its live ones, so this gives the rows of a replay in seq order. Rows that aged
 * out of the history window are dropped from the rebuild too. While a replay streams, the
 * alarm's archive step waits, so no event moves from the live log to an object unread.
 */
import {
  abandonVerification,
  beginVerification,
  finishVerification,
  type VerifyReport,
} from "../../../projections/verify";
import type { FleetDeps } from "../deps";
import { deleteAgedRows } from "./age-projections";
import { toRecordedEvent } from "./archive-object";
import { type StreamStats, streamArchivedObject } from "./archive-stream";
import { replaying } from "./replay-hold";
import { agedStreams, type TombstoneRow, tombstoneFromRow } from "./tombstones";

const tombstonePage = 100;

export interface ArchiveReplayStats {
  objects: number;
  /** Decompressed characters streamed in all. */
  chars: number;
  /** The most decompressed characters one object held at once while it streamed. */
  peakHeldChars: number;
}

export function replayAcrossArchive(
  deps: FleetDeps,
  stats: ArchiveReplayStats = { objects: 0, chars: 0, peakHeldChars: 0 },
): Promise<VerifyReport> {
  const before = replaying.get(deps.storage) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(() => streamAndCompare(deps, stats));
  replaying.set(deps.storage, run);
  const clear = () => {
    if (replaying.get(deps.storage) === run) replaying.delete(deps.storage);
  };
  run.then(clear, clear);
  return run;
}

async function streamAndCompare(deps: FleetDeps, stats: ArchiveReplayStats): Promise<VerifyReport> {
  const sql = deps.sql;
  const verification = beginVerification(sql);
  try {
    const archivedStreams = new Set<string>();
    let after: { firstSeq: number; stream: string } = { firstSeq: -1, stream: "" };
    for (;;) {
      const page = sql
        .exec<TombstoneRow>(
          `SELECT * FROM archive_tombstones WHERE (first_seq, stream) > (?, ?) ORDER BY first_seq, stream LIMIT ?`,
          after.firstSeq,
          after.stream,
          tombstonePage,
        )
        .toArray()
        .map(tombstoneFromRow);
      for (const tombstone of page) {
        const read: StreamStats = await streamArchivedObject(deps, tombstone, (line) =>
          verification.replay.apply(toRecordedEvent(line)),
        );
        stats.objects += 1;
        stats.chars += read.chars;
        stats.peakHeldChars = Math.max(stats.peakHeldChars, read.peakHeldChars);
        if (tombstone.final) archivedStreams.add(tombstone.stream);
        after = { firstSeq: tombstone.firstSeq, stream: tombstone.stream };
      }
      if (page.length < tombstonePage) break;
    }
    const aged = agedStreams(sql);
    return finishVerification(deps.storage, verification, {
      archivedStreams,
      afterReplay: (rebuilt, table) => {
        for (const stream of aged) deleteAgedRows(rebuilt, stream, table);
      },
    });
  } catch (error) {
    abandonVerification(sql, verification);
    throw error;
  }
}
