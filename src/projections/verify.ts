/**
 * The audit check: replay the whole log into shadow tables through the same projection code
 * and compare them with the live tables row by row. Any difference means a projection was
 * written outside the append path, or a projection is not a pure fold of the log.
 * The live log is folded and compared in one transaction (nothing interleaves); archived
 * events may be folded before it, across awaits (`beginVerification`).
 */
import { deciderForStream } from "../events/deciders";
import type { EvolvableEvent, RecordedEvent } from "../events/types";
import type { Row } from "./codec";
import { inlineProjections } from "./inline";
import { liveTables, type Projection, type TableName } from "./projection";
import { applyLiveLog, beginReplay, finishReplay, type Replay } from "./replay";
import { compareSnapshots, type SnapshotDifference } from "./snapshot-check";

export interface RowDifference {
  table: string;
  key: Record<string, SqlStorageValue>;
  /** The live row, or null when only the rebuild has it. */
  live: Row | null;
  /** The rebuilt row, or null when only the live table has it. */
  rebuilt: Row | null;
}

export interface VerifyReport {
  ok: boolean;
  eventsReplayed: number;
  /** Streams whose snapshot and version were checked against the fold of their events. */
  streamsChecked: number;
  snapshotDifferences: SnapshotDifference[];
  tables: { table: string; liveRows: number; rebuiltRows: number }[];
  differences: RowDifference[];
  /** True when there were more differences than reported. */
  truncated: boolean;
}

const shadow: TableName = (table) => `shadow_${table}`;

/**
 * Replays every live event in order into the tables `table` names, reading the log in batches.
 * Projections with a batch replayer fold in memory and write once per row at the end.
 * Returns the number of events replayed.
 */
export function replayLog(
  sql: SqlStorage,
  projections: readonly Projection[],
  table: TableName,
  observe?: (event: RecordedEvent) => void,
): number {
  const replay = beginReplay(sql, projections, table, observe);
  applyLiveLog(sql, replay);
  return finishReplay(replay);
}

/** Creates empty `shadow_*` copies of the projections' tables (from the live tables' own DDL). */
export function createShadowTables(
  sql: SqlStorage,
  projections: readonly Projection[] = inlineProjections,
): TableName {
  for (const t of projections.flatMap((p) => p.tables)) createShadow(sql, t.name);
  return shadow;
}

export function dropShadowTables(
  sql: SqlStorage,
  projections: readonly Projection[] = inlineProjections,
): void {
  for (const t of projections.flatMap((p) => p.tables)) sql.exec(`DROP TABLE IF EXISTS ${shadow(t.name)}`);
}

function createShadow(sql: SqlStorage, table: string): void {
  const ddl = sql
    .exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table)
    .toArray()[0]?.sql;
  if (!ddl) throw new Error(`projection table ${table} does not exist`);
  sql.exec(`DROP TABLE IF EXISTS ${shadow(table)}`);
  sql.exec(ddl.replace(/^CREATE TABLE\s+("?)(\w+)\1/i, `CREATE TABLE ${shadow(table)}`));
}

function rowsOnlyIn(sql: SqlStorage, a: string, b: string, limit: number): Row[] {
  return sql
    .exec<Row>(`SELECT * FROM (SELECT * FROM ${a} EXCEPT SELECT * FROM ${b}) LIMIT ?`, limit)
    .toArray();
}

export interface VerifyOptions {
  projections?: readonly Projection[];
  maxDifferences?: number;
  /** Streams whose stream row left with their last archived event: no snapshot to compare. */
  archivedStreams?: ReadonlySet<string>;
  /** Applies to the rebuilt tables what retention did to the live ones (aged rows). */
  afterReplay?: (sql: SqlStorage, table: TableName) => void;
}

/** A verification under way: shadow tables exist, and events fold into them and into `folded`. */
export interface Verification {
  replay: Replay;
  /** Every stream's fold, to audit the snapshots deciders load their state from. */
  folded: Map<string, { version: number; state: unknown }>;
  projections: readonly Projection[];
}

/**
 * Starts a verification: creates the shadow tables. Archived events may then be folded with
 * `verification.replay.apply` (each stream's archived events before its live ones; across
 * several calls and awaits, docs/event-log.md#archive); `finishVerification` folds the live
 * log and compares. `abandonVerification` drops the shadow tables of one that failed.
 */
export function beginVerification(
  sql: SqlStorage,
  projections: readonly Projection[] = inlineProjections,
): Verification {
  createShadowTables(sql, projections);
  const folded = new Map<string, { version: number; state: unknown }>();
  const replay = beginReplay(sql, projections, shadow, (event) => {
    const decider = deciderForStream(event.stream);
    const current = folded.get(event.stream) ?? { version: 0, state: decider?.initialState() ?? null };
    const state = decider ? decider.evolve(current.state, event as EvolvableEvent) : null;
    folded.set(event.stream, { version: current.version + 1, state });
  });
  return { replay, folded, projections };
}

export function abandonVerification(sql: SqlStorage, verification: Verification): void {
  dropShadowTables(sql, verification.projections);
}

/** In one transaction: folds the live log, compares with the live tables, drops the shadows. */
export function finishVerification(
  storage: DurableObjectStorage,
  verification: Verification,
  options: VerifyOptions = {},
): VerifyReport {
  return storage.transactionSync(() => compare(storage.sql, verification, options));
}

function compare(sql: SqlStorage, verification: Verification, options: VerifyOptions): VerifyReport {
  const maxDifferences = options.maxDifferences ?? 100;
  const { replay, folded, projections } = verification;
  try {
    applyLiveLog(sql, replay);
    const eventsReplayed = finishReplay(replay);
    options.afterReplay?.(sql, shadow);
    for (const stream of options.archivedStreams ?? []) folded.delete(stream);
    const report: VerifyReport = {
      ok: true,
      eventsReplayed,
      streamsChecked: folded.size,
      snapshotDifferences: compareSnapshots(sql, folded, maxDifferences),
      tables: [],
      differences: [],
      truncated: false,
    };
    for (const t of projections.flatMap((p) => p.tables)) {
      const count = (name: string) => sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${name}`).one().n;
      report.tables.push({ table: t.name, liveRows: count(t.name), rebuiltRows: count(shadow(t.name)) });
      const keyOf = (row: Row) => Object.fromEntries(t.key.map((k) => [k, row[k] ?? null]));
      const keyText = (row: Row) => JSON.stringify(t.key.map((k) => row[k] ?? null));
      const byKey = new Map<string, RowDifference>();
      for (const row of rowsOnlyIn(sql, t.name, shadow(t.name), maxDifferences + 1)) {
        byKey.set(keyText(row), { table: t.name, key: keyOf(row), live: row, rebuilt: null });
      }
      for (const row of rowsOnlyIn(sql, shadow(t.name), t.name, maxDifferences + 1)) {
        const known = byKey.get(keyText(row));
        if (known) known.rebuilt = row;
        else byKey.set(keyText(row), { table: t.name, key: keyOf(row), live: null, rebuilt: row });
      }
      for (const difference of byKey.values()) {
        if (report.differences.length >= maxDifferences) {
          report.truncated = true;
          break;
        }
        report.differences.push(difference);
      }
    }
    report.ok = report.differences.length === 0 && report.snapshotDifferences.length === 0;
    return report;
  } finally {
    abandonVerification(sql, verification);
  }
}

/** The audit check on the live log alone, in one transaction. */
export function verifyProjections(storage: DurableObjectStorage, options: VerifyOptions = {}): VerifyReport {
  return storage.transactionSync(() =>
    compare(storage.sql, beginVerification(storage.sql, options.projections), options),
  );
}

/** Throws the live projections away and rebuilds them from the log (operator repair). */
export function rebuildProjections(
  storage: DurableObjectStorage,
  projections: readonly Projection[] = inlineProjections,
): number {
  return storage.transactionSync(() => {
    const sql = storage.sql;
    for (const t of projections.flatMap((p) => p.tables)) sql.exec(`DELETE FROM ${t.name}`);
    // A snapshot row stays at its version (heartbeats skip it, `writesSnapshot`): its state is
    // rebuilt as of that version, or as of the head when the version itself is past it.
    const rowVersions = new Map(
      sql
        .exec<{ stream: string; version: number }>("SELECT stream, version FROM streams")
        .toArray()
        .map((row) => [row.stream, row.version]),
    );
    const folded = new Map<string, { version: number; state: unknown; atRow?: unknown }>();
    const count = replayLog(sql, projections, liveTables, (event) => {
      const decider = deciderForStream(event.stream);
      const current = folded.get(event.stream) ?? { version: 0, state: decider?.initialState() ?? null };
      const state = decider ? decider.evolve(current.state, event as EvolvableEvent) : null;
      const version = current.version + 1;
      const atRow = version === rowVersions.get(event.stream) ? state : current.atRow;
      folded.set(event.stream, { version, state, atRow });
    });
    // The snapshots deciders load from are rebuilt too.
    for (const [stream, { version, state, atRow }] of folded) {
      const decider = deciderForStream(stream);
      if (!decider) continue;
      const kept = atRow !== undefined;
      sql.exec(
        "UPDATE streams SET version = ?, snapshot = ?, snapshot_schema = ? WHERE stream = ?",
        kept ? rowVersions.get(stream) : version,
        JSON.stringify(kept ? atRow : state),
        decider.snapshotSchema,
        stream,
      );
    }
    return count;
  });
}
