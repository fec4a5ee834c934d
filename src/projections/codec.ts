/**
 * Maps an aggregate state to a projection row and back, column by column, so that a
 * projection can fold an event into its row and write only the columns that changed (fewer
 * index updates on the hot heartbeat path).
 */

export type ColumnKind = "text" | "int" | "real" | "bool" | "json";
export type Row = Record<string, SqlStorageValue>;

export interface ColumnSpec<S> {
  key: keyof S & string;
  column: string;
  kind: ColumnKind;
  /** `undefined` in the state ↔ `NULL` in the row. */
  optional?: boolean;
}

export function column<S>(
  key: keyof S & string,
  column: string,
  kind: ColumnKind,
  optional = false,
): ColumnSpec<S> {
  return { key, column, kind, optional };
}

function encodeValue(kind: ColumnKind, value: unknown): SqlStorageValue {
  if (value === undefined || value === null) return null;
  switch (kind) {
    case "text":
      return String(value);
    case "int":
    case "real":
      return Number(value);
    case "bool":
      return value ? 1 : 0;
    case "json":
      return JSON.stringify(value);
  }
}

function decodeValue(kind: ColumnKind, value: SqlStorageValue): unknown {
  if (value === null) return undefined;
  switch (kind) {
    case "text":
      return String(value);
    case "int":
    case "real":
      return Number(value);
    case "bool":
      return value === 1;
    case "json":
      return JSON.parse(String(value));
  }
}

export function encodeRow<S>(state: S, columns: readonly ColumnSpec<S>[]): Row {
  const row: Row = {};
  for (const spec of columns) row[spec.column] = encodeValue(spec.kind, state[spec.key]);
  return row;
}

export function decodeRow<S>(row: Row, columns: readonly ColumnSpec<S>[], base: S): S {
  const state = { ...base } as Record<string, unknown>;
  for (const spec of columns) {
    const value = decodeValue(spec.kind, row[spec.column] ?? null);
    if (value === undefined) delete state[spec.key];
    else state[spec.key] = value;
  }
  return state as S;
}

/** Inserts `after`, or updates only the columns that differ from `before`. */
export function writeRow(
  sql: SqlStorage,
  table: string,
  key: string,
  before: Row | undefined,
  after: Row,
): void {
  if (!before) {
    const names = Object.keys(after);
    sql.exec(
      `INSERT INTO ${table} (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`,
      ...names.map((n) => after[n] ?? null),
    );
    return;
  }
  const changed = Object.keys(after).filter((n) => n !== key && after[n] !== (before[n] ?? null));
  if (changed.length === 0) return;
  sql.exec(
    `UPDATE ${table} SET ${changed.map((n) => `${n} = ?`).join(", ")} WHERE ${key} = ?`,
    ...changed.map((n) => after[n] ?? null),
    after[key] ?? null,
  );
}
