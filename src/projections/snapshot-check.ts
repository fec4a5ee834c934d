/** The snapshot audit of `verifyProjections` (docs/event-log.md#projections-and-queries). */
import { deciderForStream } from "../events/deciders";
import { canonicalJson } from "../events/fingerprint";
import { loadStream } from "../events/stream-load";

/** A stream whose snapshot row (what deciders load) disagrees with the fold of its events. */
export interface SnapshotDifference {
  stream: string;
  /** What a decider loads: the `streams` row and the events after it (null: no row). */
  live: { version: number; snapshot: unknown } | null;
  /** What folding the stream's events gives. */
  rebuilt: { version: number; snapshot: unknown } | null;
}

/**
 * What a decider loads (the snapshot row plus the heartbeats written after it, `loadStream`)
 * must equal the fold of the stream's whole log: replay from a snapshot and its tail is exact.
 */
export function compareSnapshots(
  sql: SqlStorage,
  folded: Map<string, { version: number; state: unknown }>,
  maxDifferences: number,
): SnapshotDifference[] {
  const differences: SnapshotDifference[] = [];
  const streams = sql
    .exec<{ stream: string }>("SELECT stream FROM streams ORDER BY stream")
    .toArray()
    .map((row) => row.stream);
  const seen = new Set<string>();
  for (const stream of streams) {
    seen.add(stream);
    const rebuilt = folded.get(stream);
    const decider = deciderForStream(stream);
    // A stream no decider owns cannot be loaded: it always differs from the fold.
    const loaded = decider ? loadStream(sql, stream, decider) : { version: -1, state: null };
    if (
      rebuilt &&
      rebuilt.version === loaded.version &&
      canonicalJson(rebuilt.state) === canonicalJson(loaded.state)
    )
      continue;
    differences.push({
      stream,
      live: { version: loaded.version, snapshot: loaded.state },
      rebuilt: rebuilt ? { version: rebuilt.version, snapshot: rebuilt.state } : null,
    });
  }
  for (const [stream, rebuilt] of folded) {
    if (!seen.has(stream))
      differences.push({
        stream,
        live: null,
        rebuilt: { version: rebuilt.version, snapshot: rebuilt.state },
      });
  }
  return differences.slice(0, maxDifferences);
}
