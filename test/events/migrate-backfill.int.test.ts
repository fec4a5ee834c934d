/**
 * Migrations that convert rows (docs/event-log.md#migrations): each test builds the database as
 * it was before the migration (the migrations up to the one before, rows as the code of that
 * time wrote them), starts the migration as the DO does, and checks the converted rows equal
 * what a replay of the log gives (`verifyProjections`).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { leaseDecider, leaseStream } from "../../src/events/lease-decider";
import { applyMigrations } from "../../src/events/migrate";
import { migrations } from "../../src/events/migrations";
import type { TelemetrySample } from "../../src/events/payloads/shared";
import type { EventStore } from "../../src/events/store";
import { heartbeatFold } from "../../src/projections/heartbeat-fold";
import { leaseTelemetryHistory } from "../../src/projections/lease-heartbeats";
import {
  costRelevantLeases,
  dueDeletes,
  endedWithUnknownMachine,
  getLease,
  keptPastTtl,
  leasesDueForExpiry,
  leasesProvisioningPastDeadline,
  listLeasesNewestFirst,
  liveLeasesBySlug,
  liveSharedLeases,
  nextDue,
  nextUnknownMachineCheck,
  ownLeases,
  slugTaken,
} from "../../src/projections/leases-queries";
import { abandonedClaims } from "../../src/projections/pool-queries";
import { usageRows } from "../../src/projections/usage-queries";
import { verifyProjections } from "../../src/projections/verify";
import { leaseRequest, machine, sample, systemMeta, t0, userMeta } from "./fixtures";

const fleet = () => env.FLEET.get(env.FLEET.idFromName(`backfill-${crypto.randomUUID()}`));
const upTo = (id: number) => migrations.filter((m) => m.id <= id);

/** The database before any migration: every table (their indexes go with them) and the records dropped. */
function emptyDatabase(sql: SqlStorage): void {
  const tables = sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
    )
    .toArray();
  for (const { name } of tables) sql.exec(`DROP TABLE "${name}"`);
}

const schemaOf = (sql: SqlStorage) =>
  sql
    .exec("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE '_cf_%' ORDER BY type, name")
    .toArray();

/** Samples that exercise every column form: constants, steady and jittered integers, floats, gaps. */
function variedSample(i: number): TelemetrySample {
  const { diskPercent, ...rest } = sample(t0 + 10_000 + i * 30_000 + (i % 3) * 7, {
    load1: i / 7,
    load5: 0.1 + 0.2 * i,
    memoryUsedBytes: 1_000_000_000 + i * i * 1_234_567,
    memoryPercent: (100 * (1_000_000_000 + i * i * 1_234_567)) / 8_000_000_000,
    uptimeSeconds: 3_600 + 30 * i,
    diskUsedBytes: 12_345_678_901 + (i % 2),
  });
  return i % 4 === 0 ? rest : { ...rest, diskPercent };
}

interface Lease {
  id: string;
  beats: (i: number) => TelemetrySample | undefined;
  heartbeats: number;
  end: "Release" | "Expire" | "none";
}

const leases: Lease[] = [
  { id: "cbx_00000000000a", beats: variedSample, heartbeats: 70, end: "Release" },
  { id: "cbx_00000000000b", beats: () => undefined, heartbeats: 3, end: "Expire" },
  { id: "cbx_00000000000c", beats: (i) => sample(t0 + i), heartbeats: 1, end: "Release" },
  {
    id: "cbx_00000000000d",
    beats: (i) => (i === 1 ? variedSample(i) : undefined),
    heartbeats: 4,
    end: "Release",
  },
  { id: "cbx_00000000000e", beats: (i) => sample(t0 + 5 * i, { load1: i }), heartbeats: 2, end: "Release" },
  { id: "cbx_00000000000f", beats: variedSample, heartbeats: 5, end: "none" },
];

/** Drives the leases through the store (month 2026-11; the first one created in December). */
function driveLeases(store: EventStore): void {
  for (const [n, lease] of leases.entries()) {
    const createdAt = n === 0 ? Date.UTC(2026, 11, 1) : t0;
    const run = (command: Parameters<typeof leaseDecider.decide>[0], now: number) =>
      store.execute({ stream: leaseStream(lease.id), decider: leaseDecider, command, now, meta: userMeta });
    run(
      {
        type: "RequestLease",
        lease: leaseRequest({ leaseID: lease.id, slug: `s-${n}`, providerKey: `crabbox-${lease.id}` }),
      },
      createdAt,
    );
    run({ type: "RecordMachineProvisioned", machine: machine({ cloudID: `m-${n}` }) }, createdAt + 1);
    for (let i = 1; i <= lease.heartbeats; i++) {
      run({ type: "Heartbeat", telemetry: lease.beats(i) }, createdAt + 1 + i * 1_000);
    }
    const endsAt = createdAt + 60_000 + n * 1_000;
    if (lease.end === "Release") run({ type: "Release", releasedBy: "peter@example.com" }, endsAt);
    if (lease.end === "Expire") {
      store.execute({
        stream: leaseStream(lease.id),
        decider: leaseDecider,
        command: { type: "Expire" },
        now: endsAt + 1_800_000,
        meta: systemMeta,
      });
    }
  }
}

/** The history column as the code before 0014 wrote it: the fold's samples as a JSON array. */
function historyBefore0014(sql: SqlStorage, leaseID: string): string {
  const fold = heartbeatFold();
  const rows = sql
    .exec<{ at: number; data: string }>(
      "SELECT at, data FROM events WHERE stream = ? AND type = 'Heartbeat' ORDER BY version",
      leaseStream(leaseID),
    )
    .toArray();
  for (const row of rows)
    fold.add(row.at, (JSON.parse(row.data) as { telemetry?: TelemetrySample }).telemetry);
  return JSON.stringify(fold.summary()?.history ?? []);
}

/** Turns the summaries back into the form before 0014; returns each ended lease's history. */
function undo0014(sql: SqlStorage): Map<string, TelemetrySample[]> {
  const histories = new Map<string, TelemetrySample[]>();
  const ids = sql.exec<{ lease_id: string }>("SELECT lease_id FROM lease_heartbeats").toArray();
  for (const { lease_id } of ids) {
    const before = historyBefore0014(sql, lease_id);
    sql.exec("UPDATE lease_heartbeats SET history = ? WHERE lease_id = ?", before, lease_id);
    histories.set(lease_id, JSON.parse(before));
  }
  return histories;
}

/** `lease_heartbeats` back to the WITHOUT ROWID table 0012 created (`ddl`, as the schema holds it). */
function undo0015(sql: SqlStorage, ddl: string): void {
  sql.exec("CREATE TABLE _summaries AS SELECT * FROM lease_heartbeats");
  sql.exec("DROP TABLE lease_heartbeats");
  sql.exec(ddl);
  sql.exec("INSERT INTO lease_heartbeats SELECT * FROM _summaries");
  sql.exec("DROP TABLE _summaries");
}

/** `lease_usage`'s owner and org indexes back to the full ones 0002 created. */
function undo0018(sql: SqlStorage): void {
  sql.exec("DROP INDEX lease_usage_by_owner");
  sql.exec("DROP INDEX lease_usage_by_org");
  sql.exec("CREATE INDEX lease_usage_by_owner ON lease_usage (month, owner)");
  sql.exec("CREATE INDEX lease_usage_by_org ON lease_usage (month, org)");
}

/** The `leases` indexes 0019 changed, back as 0002 created them. */
function undo0019(sql: SqlStorage): void {
  sql.exec("DROP INDEX leases_by_slug");
  sql.exec("CREATE INDEX leases_by_slug ON leases (slug)");
  sql.exec("CREATE INDEX leases_by_cloud_id ON leases (cloud_id)");
}

const summaryBytes = (sql: SqlStorage) =>
  sql.exec<{ n: number }>("SELECT sum(length(history)) AS n FROM lease_heartbeats").one().n;

it("0014 rewrites every ended lease's history as columns that a replay writes the same and that read back the same samples", async () => {
  await runInDurableObject(fleet(), (fleetDO, state) => {
    const sql = state.storage.sql;
    emptyDatabase(sql);
    applyMigrations(state.storage, upTo(13), t0);
    driveLeases(fleetDO.store);
    const histories = undo0014(sql);
    expect([...histories.keys()].sort()).toEqual(leases.filter((l) => l.end !== "none").map((l) => l.id));
    const sizeBefore = summaryBytes(sql);

    expect(applyMigrations(state.storage, upTo(14), t0).applied).toEqual([14]);

    expect(verifyProjections(state.storage)).toMatchObject({ ok: true, differences: [] });
    for (const [id, history] of histories) {
      expect(leaseTelemetryHistory(sql, getLease(sql, id)!)).toEqual(history);
    }
    expect(histories.get("cbx_00000000000a")).toHaveLength(60);
    expect(summaryBytes(sql)).toBeLessThan(sizeBefore / 3);
  });
});

it("0013 sums the leases that ended before it into the monthly totals a replay sums", async () => {
  const before12 = await runInDurableObject(fleet(), (_, state) => {
    emptyDatabase(state.storage.sql);
    applyMigrations(state.storage, upTo(12), t0);
    return schemaOf(state.storage.sql);
  });
  await runInDurableObject(fleet(), (fleetDO, state) => {
    const sql = state.storage.sql;
    driveLeases(fleetDO.store);
    const totals = sql.exec("SELECT * FROM usage_months ORDER BY month, owner").toArray();
    expect(totals.map((t) => [t.month, t.leases])).toEqual([
      ["2026-11", 4],
      ["2026-12", 1],
    ]);
    // Back to the database at 0012: what 0013 and 0014 added goes (the code of that time wrote
    // the same `lease_usage` rows), and the schema is that of a database migrated up to 0012.
    undo0019(sql);
    undo0018(sql);
    undo0015(sql, String(before12.find((row) => row.name === "lease_heartbeats")?.sql));
    sql.exec("DROP TABLE usage_months");
    sql.exec("DROP INDEX lease_usage_live");
    undo0014(sql);
    sql.exec("DELETE FROM _migrations WHERE id > 12");
    expect(schemaOf(sql)).toEqual(before12);

    expect(applyMigrations(state.storage, migrations, t0).applied).toEqual([13, 14, 15, 18, 19]);

    expect(verifyProjections(state.storage)).toMatchObject({ ok: true, differences: [] });
    expect(sql.exec("SELECT * FROM usage_months ORDER BY month, owner").toArray()).toEqual(totals);
  });
});

it("0015 keeps every summary row and stores a 1.5 KB summary on its page, not on an overflow page of its own", async () => {
  await runInDurableObject(fleet(), (fleetDO, state) => {
    const sql = state.storage.sql;
    emptyDatabase(sql);
    applyMigrations(state.storage, upTo(14), t0);
    driveLeases(fleetDO.store);
    const rows = sql.exec("SELECT * FROM lease_heartbeats ORDER BY lease_id").toArray();
    expect(rows).toHaveLength(5);

    expect(applyMigrations(state.storage, upTo(15), t0).applied).toEqual([15]);

    expect(sql.exec("SELECT * FROM lease_heartbeats ORDER BY lease_id").toArray()).toEqual(rows);
    expect(verifyProjections(state.storage)).toMatchObject({ ok: true, differences: [] });
    // 200 summaries of 1.5 KB: two to a page here (~2.1 KB each); ~4.7 KB each in the
    // WITHOUT ROWID table 0012 created.
    const before = sql.databaseSize;
    for (let i = 0; i < 200; i++) {
      sql.exec(
        "INSERT INTO lease_heartbeats VALUES (?, 1, 0, 0, '{}', ?)",
        `cbx_f${i.toString(16).padStart(11, "0")}`,
        "x".repeat(1_500),
      );
    }
    expect((sql.databaseSize - before) / 200).toBeLessThan(3_000);
  });
});

/** The plans SQLite picks for the statements `read` runs (the real query texts), one string each. */
function plansOf(sql: SqlStorage, read: (sql: SqlStorage) => unknown): string[] {
  const statements: [string, SqlStorageValue[]][] = [];
  const recording = new Proxy(sql, {
    get: (target, name) =>
      name === "exec"
        ? (query: string, ...bindings: SqlStorageValue[]) => {
            statements.push([query, bindings]);
            return target.exec(query, ...bindings);
          }
        : Reflect.get(target, name),
  });
  read(recording);
  return statements.map(([query, bindings]) =>
    sql
      .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${query}`, ...bindings)
      .toArray()
      .map((row) => row.detail)
      .join("; "),
  );
}

it("0018 keeps every usage row and its reads' plans, and indexes owner and org for live leases only", async () => {
  await runInDurableObject(fleet(), (fleetDO, state) => {
    const sql = state.storage.sql;
    emptyDatabase(sql);
    applyMigrations(state.storage, upTo(15), t0);
    driveLeases(fleetDO.store);
    const rows = sql.exec("SELECT * FROM lease_usage ORDER BY lease_id").toArray();
    const live = rows.filter((row) => row.state === "active");
    expect(live.map((row) => row.lease_id)).toEqual(["cbx_00000000000f"]);
    const owner = String(live[0]?.owner);
    const org = String(live[0]?.org);
    const scopes: Parameters<typeof usageRows>[1][] = [
      { month: "2026-11", scope: "all" },
      { month: "2026-11", scope: "user", owner, org },
      { month: "2026-11", scope: "user", owner },
      { month: "2026-11", scope: "org", org },
    ];
    const plans = scopes.map((scope) => plansOf(sql, (s) => usageRows(s, scope)).join(" | "));
    expect(plans).toEqual([
      "SEARCH lease_usage USING INDEX lease_usage_live (month=?)",
      "SEARCH lease_usage USING INDEX lease_usage_by_org (month=? AND org=?)",
      "SEARCH lease_usage USING INDEX lease_usage_by_owner (month=? AND owner=?)",
      "SEARCH lease_usage USING INDEX lease_usage_by_org (month=? AND org=?)",
    ]);

    expect(applyMigrations(state.storage, upTo(18), t0).applied).toEqual([18]);

    expect(sql.exec("SELECT * FROM lease_usage ORDER BY lease_id").toArray()).toEqual(rows);
    expect(verifyProjections(state.storage)).toMatchObject({ ok: true, differences: [] });
    expect(scopes.map((scope) => plansOf(sql, (s) => usageRows(s, scope)).join(" | "))).toEqual(plans);
    for (const scope of scopes) expect(usageRows(sql, scope)).toEqual(live);
    // An ended lease has no entry in either index: the partial index's condition is the reads'.
    const definitions = sql
      .exec<{ sql: string }>(
        "SELECT sql FROM sqlite_master WHERE name IN ('lease_usage_by_owner', 'lease_usage_by_org')",
      )
      .toArray();
    expect(definitions).toHaveLength(2);
    for (const { sql: ddl } of definitions)
      expect(ddl).toMatch(/WHERE state IN \('active', 'provisioning'\)$/);
  });
});

it("0019 keeps every lease row and the plan of every read of leases, with slugs indexed for live leases only", async () => {
  await runInDurableObject(fleet(), (fleetDO, state) => {
    const sql = state.storage.sql;
    emptyDatabase(sql);
    applyMigrations(state.storage, upTo(18), t0);
    driveLeases(fleetDO.store);
    const rows = sql.exec("SELECT * FROM leases ORDER BY id").toArray();
    const { owner, org } = userMeta.actor as { owner: string; org: string };
    const reads: ((s: SqlStorage) => unknown)[] = [
      (s) => liveLeasesBySlug(s, "s-5", t0),
      (s) => slugTaken(s, owner, org, "s-5", t0),
      (s) => endedWithUnknownMachine(s, 0, t0, 10),
      (s) => nextUnknownMachineCheck(s, 0),
      (s) => abandonedClaims(s, 0, 10),
      (s) => leasesDueForExpiry(s, t0),
      (s) => leasesProvisioningPastDeadline(s, t0),
      (s) => listLeasesNewestFirst(s, {}, () => true, 10),
      (s) => listLeasesNewestFirst(s, { state: "released" }, () => true, 10),
      (s) => ownLeases(s, owner, org, {}, 10),
      (s) => liveSharedLeases(s),
      (s) => dueDeletes(s, t0, t0, 10),
      (s) => keptPastTtl(s, t0, 10),
      (s) => nextDue(s),
      (s) => costRelevantLeases(s, 0),
    ];
    const plans = reads.map((read) => plansOf(sql, read));
    // No read goes through `leases_by_cloud_id`; the slug read goes through `leases_by_slug`.
    expect(plans.flat().filter((plan) => plan.includes("leases_by_cloud_id"))).toEqual([]);
    expect(plans[0]).toEqual(["SEARCH leases USING INDEX leases_by_slug (slug=?)"]);

    expect(applyMigrations(state.storage, migrations, t0).applied).toEqual([19]);

    expect(sql.exec("SELECT * FROM leases ORDER BY id").toArray()).toEqual(rows);
    expect(verifyProjections(state.storage)).toMatchObject({ ok: true, differences: [] });
    expect(reads.map((read) => plansOf(sql, read))).toEqual(plans);
    expect(liveLeasesBySlug(sql, "s-5", t0).map((lease) => lease.id)).toEqual(["cbx_00000000000f"]);
    const slugIndex = sql
      .exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'leases_by_slug'")
      .one();
    expect(slugIndex.sql).toMatch(/WHERE state IN \('provisioning', 'active'\)$/);
  });
});

/**
 * The telemetry ring the code before 0012 kept (`lease_telemetry`, removed in a6ec608): per
 * heartbeat sample a row by capture time, pruned to the newest 60 at every 16th stream version.
 */
function writeRingBefore0012(sql: SqlStorage): void {
  const beats = sql
    .exec<{ stream: string; version: number; data: string }>(
      "SELECT stream, version, data FROM events WHERE type = 'Heartbeat' ORDER BY seq",
    )
    .toArray();
  for (const beat of beats) {
    const telemetry = (JSON.parse(beat.data) as { telemetry?: TelemetrySample }).telemetry;
    if (!telemetry) continue;
    const leaseID = beat.stream.slice("lease:".length);
    sql.exec(
      "INSERT OR REPLACE INTO lease_telemetry (lease_id, captured_at, sample) VALUES (?, ?, ?)",
      leaseID,
      telemetry.capturedAt,
      JSON.stringify(telemetry),
    );
    if (beat.version % 16 !== 0) continue;
    sql.exec(
      `DELETE FROM lease_telemetry WHERE lease_id = ? AND captured_at < (
         SELECT captured_at FROM lease_telemetry WHERE lease_id = ? ORDER BY captured_at DESC LIMIT 1 OFFSET 59)`,
      leaseID,
      leaseID,
    );
  }
}

it("0012 carries each ended lease's telemetry ring into its summary, and 0014 folds it again from the heartbeats in the live log", async () => {
  const before11 = await runInDurableObject(fleet(), (_, state) => {
    emptyDatabase(state.storage.sql);
    applyMigrations(state.storage, upTo(11), t0);
    return schemaOf(state.storage.sql);
  });
  await runInDurableObject(fleet(), (fleetDO, state) => {
    const sql = state.storage.sql;
    driveLeases(fleetDO.store);
    // Back to the database at 0011: no summaries or monthly totals, the ring instead.
    sql.exec("DROP TABLE lease_heartbeats");
    sql.exec("DROP TABLE usage_months");
    sql.exec("DROP INDEX lease_usage_live");
    undo0019(sql);
    undo0018(sql);
    sql.exec(String(before11.find((row) => row.name === "lease_telemetry")?.sql));
    writeRingBefore0012(sql);
    sql.exec("DELETE FROM _migrations WHERE id > 11");
    expect(schemaOf(sql)).toEqual(before11);
    const ring = (id: string) =>
      sql
        .exec<{ sample: string }>(
          "SELECT sample FROM lease_telemetry WHERE lease_id = ? ORDER BY captured_at",
          id,
        )
        .toArray()
        .map((row) => JSON.parse(row.sample));
    const rings = new Map(leases.map((l) => [l.id, ring(l.id)]));
    // Between prunes the ring held up to 75 samples: lease a's last prune left 60, 8 more came.
    expect(rings.get("cbx_00000000000a")).toHaveLength(68);

    expect(applyMigrations(state.storage, upTo(12), t0).applied).toEqual([12]);

    // Every ended lease with samples has a summary of its ring; one without samples has none.
    const ended = leases.filter((l) => l.end !== "none");
    for (const lease of ended) {
      const samples = rings.get(lease.id) ?? [];
      const row = sql
        .exec<{
          heartbeats: number;
          first_at: number;
          last_at: number;
          telemetry_range: string;
          history: string;
        }>(
          "SELECT heartbeats, first_at, last_at, telemetry_range, history FROM lease_heartbeats WHERE lease_id = ?",
          lease.id,
        )
        .toArray()[0];
      if (samples.length === 0) {
        expect(row).toBeUndefined();
        continue;
      }
      expect({ ...row, history: JSON.parse(String(row?.history)) }).toEqual({
        heartbeats: samples.length,
        first_at: samples[0].capturedAt,
        last_at: samples.at(-1).capturedAt,
        telemetry_range: "{}",
        history: samples,
      });
    }

    // 0014 folds those summaries again from the heartbeats the live log still holds.
    expect(applyMigrations(state.storage, migrations, t0).applied).toEqual([13, 14, 15, 18, 19]);
    expect(verifyProjections(state.storage)).toMatchObject({ ok: true, differences: [] });
  });
});
