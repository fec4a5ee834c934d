/**
 * One replay of the log through the projections (docs/event-log.md#projections-and-queries):
 * begun once, fed events, finished once. Projections fold each stream on its own, so a stream's
 * archived events may be fed first (streamed from the archive, across awaits) and the live log
 * after them, paged in one transaction: the rows are those of a replay in seq order.
 */
import { upcast } from "../events/catalogue";
import type { EventMeta, RecordedEvent } from "../events/types";
import type { Row } from "./codec";
import { eventByEventReplayer, type Projection, type Replayer, type TableName } from "./projection";

const liveBatch = 500;

export interface Replay {
  apply(event: RecordedEvent): void;
  /** Events applied so far. */
  readonly count: number;
  readonly replayers: readonly Replayer[];
}

export function beginReplay(
  sql: SqlStorage,
  projections: readonly Projection[],
  table: TableName,
  observe?: (event: RecordedEvent) => void,
): Replay {
  const replayers = projections.map(
    (p) => p.createReplayer?.(sql, table) ?? eventByEventReplayer(p, sql, table),
  );
  let count = 0;
  return {
    replayers,
    get count() {
      return count;
    },
    apply(event) {
      for (const replayer of replayers) replayer.apply(event);
      observe?.(event);
      count++;
    },
  };
}

/** Feeds every event of the live log, in seq order, reading it in batches. */
export function applyLiveLog(sql: SqlStorage, replay: Replay): void {
  let after = 0;
  for (;;) {
    const rows = sql
      .exec<Row>("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", after, liveBatch)
      .toArray();
    if (rows.length === 0) return;
    for (const row of rows) {
      const event = eventOfRow(row);
      replay.apply(event);
      after = event.seq;
    }
  }
}

/** Writes what the batch replayers folded; returns the number of events replayed. */
export function finishReplay(replay: Replay): number {
  for (const replayer of replay.replayers) replayer.flush();
  return replay.count;
}

function eventOfRow(row: Row): RecordedEvent {
  return {
    seq: Number(row.seq),
    id: String(row.id),
    stream: String(row.stream),
    version: Number(row.version),
    type: String(row.type),
    schema: Number(row.schema),
    data: upcast(String(row.type), Number(row.schema), JSON.parse(String(row.data))),
    // Projections never read meta: parse it only if someone asks.
    get meta() {
      return JSON.parse(String(row.meta)) as EventMeta;
    },
    dedupeKey: row.dedupe_key === null ? null : String(row.dedupe_key),
    owner: row.owner === null ? null : String(row.owner),
    at: Number(row.at),
  };
}
