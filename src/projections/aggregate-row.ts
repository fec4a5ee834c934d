/**
 * A projection whose row is an aggregate's state (leases, runs): the row is the same fold of
 * the stream's events as the decider's own `evolve`, written column by column.
 */
import type { EvolvableEvent, RecordedEvent } from "../events/types";
import { type ColumnSpec, encodeRow, type Row, writeRow } from "./codec";
import type { Projection, Replayer, StreamStates, TableName } from "./projection";

export interface AggregateRowSpec<S> {
  name: string;
  table: string;
  handles: ReadonlySet<string>;
  columns: readonly ColumnSpec<S>[];
  idOfStream(stream: string): string;
  initial(): S;
  evolve(state: S, event: EvolvableEvent): S;
  fromRow(row: Row): S;
  exists(state: S): boolean;
}

export function aggregateRowProjection<S>(spec: AggregateRowSpec<S>): Projection {
  const rowOf = (state: S, seq: number): Row => ({ ...encodeRow(state, spec.columns), last_seq: seq });
  const idColumns = spec.columns.filter((c) => c.column === "id");
  return {
    name: spec.name,
    tables: [{ name: spec.table, key: ["id"] }],
    handles: spec.handles,
    apply(sql: SqlStorage, event: RecordedEvent, table: TableName, states?: StreamStates): void {
      const t = table(spec.table);
      if (states) {
        // The store folded the stream already: the row before is the state before, encoded.
        const before = states.before as S;
        const after = states.after as S;
        if (!spec.exists(before)) {
          writeRow(sql, t, "id", undefined, rowOf(after, event.seq));
          return;
        }
        // Evolve copies the state and replaces what changed, so a field it did not touch is
        // the same value: only the others are encoded and compared (the heartbeat's hot path).
        const touched = spec.columns.filter((c) => before[c.key] !== after[c.key]);
        writeRow(sql, t, "id", encodeRow(before, touched), {
          ...encodeRow(after, [...idColumns, ...touched]),
          last_seq: event.seq,
        });
        return;
      }
      const before = sql
        .exec<Row>(`SELECT * FROM ${t} WHERE id = ?`, spec.idOfStream(event.stream))
        .toArray()[0];
      // Applying an event twice must change nothing: the row remembers the last seq it folded.
      if (before && Number(before.last_seq) >= event.seq) return;
      const state = before ? spec.fromRow(before) : spec.initial();
      writeRow(sql, t, "id", before, rowOf(spec.evolve(state, event as EvolvableEvent), event.seq));
    },
    createReplayer(sql: SqlStorage, table: TableName): Replayer {
      const folded = new Map<string, { state: S; seq: number }>();
      return {
        apply(event) {
          if (!spec.handles.has(event.type)) return;
          const id = spec.idOfStream(event.stream);
          const current = folded.get(id) ?? { state: spec.initial(), seq: 0 };
          folded.set(id, { state: spec.evolve(current.state, event as EvolvableEvent), seq: event.seq });
        },
        flush() {
          for (const { state, seq } of folded.values())
            writeRow(sql, table(spec.table), "id", undefined, rowOf(state, seq));
        },
      };
    },
  };
}
