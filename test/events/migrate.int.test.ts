import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { applyMigrations } from "../../src/events/migrate";
import { migrations } from "../../src/events/migrations";

const fleet = () => env.FLEET.get(env.FLEET.idFromName(`migrate-${crypto.randomUUID()}`));
const applied = (sql: SqlStorage) =>
  sql
    .exec<{ id: number; name: string; applied_at: number }>("SELECT * FROM _migrations ORDER BY id")
    .toArray();

it("applies every migration at first start, in order, and nothing at the next start", async () => {
  const stub = fleet();
  const first = await runInDurableObject(stub, (_, state) => applied(state.storage.sql));
  expect(first.map((m) => [m.id, m.name])).toEqual(migrations.map((m) => [m.id, m.name]));
  await evictDurableObject(stub);
  await runInDurableObject(stub, (_, state) => {
    // The constructor ran again after eviction; the records are the first start's.
    expect(applied(state.storage.sql)).toEqual(first);
    expect(applyMigrations(state.storage, migrations, Date.now())).toEqual({
      applied: [],
      alreadyApplied: migrations.map((m) => m.id),
    });
  });
});

it("applies an added migration exactly once", async () => {
  await runInDurableObject(fleet(), (_, state) => {
    const added = [
      ...migrations,
      {
        id: 90,
        name: "0090_lease_notes",
        sql: "CREATE TABLE lease_notes (lease_id TEXT PRIMARY KEY, note TEXT NOT NULL);",
      },
    ];
    expect(applyMigrations(state.storage, added, 1).applied).toEqual([90]);
    expect(applyMigrations(state.storage, added, 2).applied).toEqual([]);
    expect(applied(state.storage.sql).at(-1)).toEqual({ id: 90, name: "0090_lease_notes", applied_at: 1 });
    state.storage.sql.exec("INSERT INTO lease_notes VALUES ('cbx_abcdef123456', 'hi')");
  });
});

it("rolls back every statement of a batch when one migration fails", async () => {
  await runInDurableObject(fleet(), (_, state) => {
    const broken = [
      ...migrations,
      { id: 90, name: "0090_ok", sql: "CREATE TABLE good_table (x INTEGER);" },
      { id: 91, name: "0091_broken", sql: "CREATE TABLE half (x INTEGER); THIS IS NOT SQL;" },
    ];
    expect(() => applyMigrations(state.storage, broken, 1)).toThrow();
    const tables = state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name IN ('good_table', 'half')")
      .toArray();
    expect(tables).toEqual([]);
    expect(applied(state.storage.sql).map((m) => m.id)).toEqual(migrations.map((m) => m.id));
  });
});

it("refuses to run when an applied migration was renamed or two share an id", async () => {
  await runInDurableObject(fleet(), (_, state) => {
    const renamed = migrations.map((m) => (m.id === 2 ? { ...m, name: "0002_renamed" } : m));
    expect(() => applyMigrations(state.storage, renamed, 1)).toThrowError(/was applied as 0002_projections/);
    expect(() =>
      applyMigrations(state.storage, [...migrations, { id: 2, name: "dup", sql: "" }], 1),
    ).toThrowError(/share id 2/);
  });
});
