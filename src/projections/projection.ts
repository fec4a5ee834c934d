/**
 * The contract of an inline projection: a pure fold of events into SQL rows. The store applies
 * every projection in the append transaction; `verify` replays the log into shadow tables
 * through the same code, which is why table names are passed in rather than hard-coded.
 */
import type { RecordedEvent } from "../events/types";

/** Maps a live table name to the one to write (itself, or its shadow during a rebuild). */
export type TableName = (table: string) => string;

export const liveTables: TableName = (table) => table;

/** The stream's aggregate state just before and just after the event, when the store has them. */
export interface StreamStates {
  before: unknown;
  after: unknown;
}

/** Replays fold in memory and write each row once at the end, instead of once per event. */
export interface Replayer {
  apply(event: RecordedEvent): void;
  flush(): void;
}

export interface Projection {
  readonly name: string;
  /** Tables this projection owns, with the columns that identify a row (for row-by-row diffs). */
  readonly tables: readonly { name: string; key: readonly string[] }[];
  /** Event types it reads; the store skips it for any other type. */
  readonly handles: ReadonlySet<string>;
  /**
   * Folds one event into the tables. `states` lets a projection whose row *is* the aggregate's
   * state skip reading its row back; without it the projection reads the row it folds into.
   */
  apply(sql: SqlStorage, event: RecordedEvent, table: TableName, states?: StreamStates): void;
  /** Optional batch path for replays; must leave exactly the rows `apply` would. */
  createReplayer?(sql: SqlStorage, table: TableName): Replayer;
}

/** Replays through `apply`, event by event: the fallback when a projection has no batch path. */
export function eventByEventReplayer(projection: Projection, sql: SqlStorage, table: TableName): Replayer {
  return {
    apply(event) {
      if (projection.handles.has(event.type)) projection.apply(sql, event, table);
    },
    flush() {},
  };
}
