/**
 * Applies numbered SQL migrations to the Fleet DO's SQLite, once each, in order, inside one
 * transaction, recording each in `_migrations`. Safe to run on every start: a second run
 * applies nothing. DO SQLite refuses `PRAGMA user_version`, hence the table.
 */
import { CrabboxError } from "../errors";

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export interface MigrationReport {
  applied: number[];
  alreadyApplied: number[];
}

export function applyMigrations(
  storage: DurableObjectStorage,
  migrations: readonly Migration[],
  now: number,
): MigrationReport {
  const ordered = [...migrations].sort((a, b) => a.id - b.id);
  ordered.forEach((m, i) => {
    if (!Number.isInteger(m.id) || m.id <= 0)
      throw new CrabboxError("internal", `migration ${m.name} has a bad id ${m.id}`);
    if (i > 0 && ordered[i - 1]?.id === m.id)
      throw new CrabboxError("internal", `two migrations share id ${m.id}`);
  });
  return storage.transactionSync(() => {
    const sql = storage.sql;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS _migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    );
    const done = new Map<number, string>();
    for (const row of sql.exec<{ id: number; name: string }>("SELECT id, name FROM _migrations").toArray()) {
      done.set(row.id, row.name);
    }
    const report: MigrationReport = { applied: [], alreadyApplied: [] };
    for (const m of ordered) {
      const appliedName = done.get(m.id);
      if (appliedName !== undefined) {
        // A renamed or renumbered file would silently diverge from what the database holds.
        if (appliedName !== m.name) {
          throw new CrabboxError(
            "internal",
            `migration ${m.id} was applied as ${appliedName}, now named ${m.name}`,
          );
        }
        report.alreadyApplied.push(m.id);
        continue;
      }
      sql.exec(m.sql);
      sql.exec("INSERT INTO _migrations (id, name, applied_at) VALUES (?, ?, ?)", m.id, m.name, now);
      report.applied.push(m.id);
    }
    return report;
  });
}
