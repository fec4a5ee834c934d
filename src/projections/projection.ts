/**
 * The contract of an inline projection: a pure fold of events into SQL rows. The store applies
 * every projection in the append transaction; `verify` replays the log into shadow tables
 * through the same `apply`, which is why table names are passed in rather than hard-coded.
 */
import type { RecordedEvent } from "../events/types";

/** Maps a live table name to the one to write (itself, or its shadow during a rebuild). */
export type TableName = (table: string) => string;

export const liveTables: TableName = (table) => table;

export interface Projection {
  readonly name: string;
  /** Tables this projection owns, with the column that identifies a row (for row-by-row diffs). */
  readonly tables: readonly { name: string; key: readonly string[] }[];
  /** Event types it reads; the store skips it for any other type. */
  readonly handles: ReadonlySet<string>;
  apply(sql: SqlStorage, event: RecordedEvent, table: TableName): void;
}
