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

/**
 * A state field's column kind, spelled with `?` exactly when the field is optional in `S`
 * (`undefined` in the state ↔ `NULL` in the row): the compiler checks the optionality.
 */
type KindOf<S, K extends keyof S> = {} extends Pick<S, K> ? `${ColumnKind}?` : ColumnKind;

/** One column kind per field of `S` but `Skip`: a field added to the state without a column does not compile. */
export type ColumnKinds<S, Skip extends keyof S = never> = {
  [K in Exclude<keyof S & string, Skip>]-?: KindOf<S, K>;
};

/** `estimatedHourlyUSD` → `estimated_hourly_usd`, `cloudID` → `cloud_id`. */
export function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** The column list of a state, in field order, each column named after its field. */
export function columnsOf<S, Skip extends keyof S = never>(kinds: ColumnKinds<S, Skip>): ColumnSpec<S>[] {
  return Object.entries(kinds as Record<string, string>).map(([key, kind]) => ({
    key: key as keyof S & string,
    column: snakeCase(key),
    kind: kind.replace("?", "") as ColumnKind,
    optional: kind.endsWith("?"),
  }));
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
