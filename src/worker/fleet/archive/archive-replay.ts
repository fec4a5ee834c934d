/**
 * `POST /v1/admin/replay` across the archive (docs/event-log.md, "Archive"). The archived
 * objects are folded one at a time, in first-seq order (so each stream's objects in version
 * order), into shadow tables as their lines are decompressed. The next few small objects are
 * read ahead as compressed bytes while one folds and decompressed in one step; a larger one
 * streams, so no object above the read-ahead bound is ever held whole.
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
import {
  type FetchedObject,
  fetchArchivedObject,
  foldArchivedObject,
  type StreamStats,
} from "./archive-stream";
import { replaying } from "./replay-hold";
import { agedStreams, type Tombstone, type TombstoneRow, tombstoneFromRow } from "./tombstones";

const tombstonePage = 100;
/** Objects read ahead of the one folding. */
const readAhead = 16;

export interface ArchiveReplayOptions {
  /**
   * The largest object (compressed bytes) read ahead whole and decompressed in one step;
   * larger ones stream. It bounds what a replay holds: this times `readAhead` compressed, and
   * one such object decompressed.
   */
  readAheadMaxBytes?: number;
}

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
  options: ArchiveReplayOptions = {},
): Promise<VerifyReport> {
  const before = replaying.get(deps.storage) ?? Promise.resolve();
  const readAheadMaxBytes = options.readAheadMaxBytes ?? 256 * 1024;
  const run = before.catch(() => undefined).then(() => streamAndCompare(deps, stats, readAheadMaxBytes));
  replaying.set(deps.storage, run);
  const clear = () => {
    if (replaying.get(deps.storage) === run) replaying.delete(deps.storage);
  };
  run.then(clear, clear);
  return run;
}

async function streamAndCompare(
  deps: FleetDeps,
  stats: ArchiveReplayStats,
  readAheadMaxBytes: number,
): Promise<VerifyReport> {
  const sql = deps.sql;
  const verification = beginVerification(sql);
  try {
    const window: { tombstone: Tombstone; fetched?: Promise<FetchedObject> }[] = [];
    const archivedStreams = new Set<string>();
    const tombstones = tombstonesInSeqOrder(sql);
    // The next few small objects are read from the bucket while this one folds: the cost of
    // an archive replay is mostly one bucket round trip per object (docs/event-log.md#archive).
    const fill = () => {
      while (window.length < readAhead) {
        const next = tombstones.next();
        if (next.done) return;
        const tombstone = next.value;
        const fetched =
          tombstone.bytes <= readAheadMaxBytes ? fetchArchivedObject(deps, tombstone, true) : undefined;
        // A read-ahead that fails is reported when its turn comes (or never, after an earlier failure).
        fetched?.catch(() => undefined);
        window.push({ tombstone, fetched });
      }
    };
    for (fill(); window.length > 0; fill()) {
      const { tombstone, fetched } = window.shift() as (typeof window)[number];
      const read: StreamStats = await foldArchivedObject(
        await (fetched ?? fetchArchivedObject(deps, tombstone)),
        tombstone,
        (line) => verification.replay.apply(toRecordedEvent(line)),
      );
      stats.objects += 1;
      stats.chars += read.chars;
      stats.peakHeldChars = Math.max(stats.peakHeldChars, read.peakHeldChars);
      if (tombstone.final) archivedStreams.add(tombstone.stream);
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

/** Every tombstone in first-seq order (so each stream's objects in version order), paged. */
function* tombstonesInSeqOrder(sql: SqlStorage): Generator<Tombstone> {
  let after = { firstSeq: -1, stream: "" };
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
    yield* page;
    const last = page.at(-1);
    if (!last || page.length < tombstonePage) return;
    after = { firstSeq: last.firstSeq, stream: last.stream };
  }
}
