/**
 * Loads a stream's state for a decision (docs/event-log.md#tables): one read of its snapshot
 * row, however long the stream, plus the fewer than `snapshotEvery` heartbeats written after
 * it (one range read of the `(stream, version)` index); a fold of its events when the
 * snapshot's schema differs from the decider's; a refusal when the stream ended and moved to
 * the archive.
 */
import { CrabboxError } from "../errors";
import { readStream } from "./store-reads";
import type { StreamDecider } from "./store-types";
import type { EventDraft, EvolvableEvent } from "./types";

interface StreamRow extends Record<string, SqlStorageValue> {
  version: number;
  snapshot: string;
  snapshot_schema: number;
}

export function loadStream<S, C, E extends EventDraft>(
  sql: SqlStorage,
  stream: string,
  decider: StreamDecider<S, C, E>,
): { state: S; version: number } {
  const row = sql
    .exec<StreamRow>("SELECT version, snapshot, snapshot_schema FROM streams WHERE stream = ?", stream)
    .toArray()[0];
  if (!row) {
    if (isArchived(sql, stream)) {
      throw new CrabboxError(
        "illegal_transition",
        `stream ${stream} ended and is archived; it takes no more events`,
        {
          stream,
          archived: true,
        },
      );
    }
    return { state: decider.initialState(), version: 0 };
  }
  // The state shape changed since the snapshot was written: fold the stream from the start.
  const fresh = row.snapshot_schema === decider.snapshotSchema;
  let state = fresh ? (JSON.parse(row.snapshot) as S) : decider.initialState();
  let version = fresh ? row.version : 0;
  // The stream holds only this decider's events (the stream name picks the decider).
  for (const event of readStream(sql, stream, version)) {
    state = decider.evolve(state, event as unknown as EvolvableEvent<E>);
    version = event.version;
  }
  return { state, version: Math.max(version, row.version) };
}

/** True when the stream's last event moved to the archive (docs/event-log.md#archive). */
function isArchived(sql: SqlStorage, stream: string): boolean {
  return (
    sql.exec("SELECT 1 FROM archive_tombstones WHERE stream = ? AND final = 1 LIMIT 1", stream).toArray()
      .length > 0
  );
}
