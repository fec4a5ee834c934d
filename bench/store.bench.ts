/**
 * Event store benchmark, inside one Fleet Durable Object in workerd (`npm run bench:store`).
 * Prints four figures and their ratios against the targets of issue 2:
 *  - appends/s: one heartbeat command per transaction through `store.execute` (dedupe check,
 *    snapshot load, decide, validate, insert, every inline projection, stream row);
 *  - bare inserts/s, the baseline: the same event rows as single-row inserts, one per
 *    transaction, into a copy of the events table (same constraints and indexes) and nothing
 *    else — no dedupe, no state, no projections. Target: append ≤ 4x slower. A plain table
 *    without indexes is printed too, for scale;
 *  - replay events/s: the whole log folded into shadow projection tables (target ≥ 5x append);
 *  - log bytes per lease-hour: a lease heartbeating every 30 s with telemetry for an hour,
 *    from request to deleted machine (target ≤ 100 KB).
 * The machine is shared, so the three insert workloads run interleaved in slices of 100.
 */

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { monotonicFactory } from "ulid";
import { expect, it } from "vitest";
import { leaseDecider, leaseStream } from "../src/events/lease-decider";
import type { EventMeta } from "../src/events/types";
import { inlineProjections } from "../src/projections/inline";
import { createShadowTables, dropShadowTables, replayLog } from "../src/projections/verify";
import { leaseRequest, machine, sample, t0 } from "../test/events/fixtures";

const leases = 20;
const appends = Number(process.env.BENCH_APPENDS ?? 2000);
const warmup = 300;
const meta: EventMeta = {
  actor: { kind: "github", owner: "peter@example.com", org: "openclaw" },
  requestId: "01JBENCHREQUEST00000000000",
};

const leaseID = (i: number) => `cbx_${i.toString(16).padStart(12, "0")}`;
const newUlid = monotonicFactory();
const rate = (count: number, ms: number) => Math.round((count / ms) * 1000);

it("measures append, bare insert and replay rates and log bytes per lease-hour", async () => {
  const stub = env.FLEET.get(env.FLEET.idFromName("bench-store"));
  const figures = await runInDurableObject(stub, (fleet, state) => {
    const store = fleet.store;
    const sql = state.storage.sql;
    let now = t0;
    for (let i = 0; i < leases; i++) {
      const stream = leaseStream(leaseID(i));
      const lease = leaseRequest({ leaseID: leaseID(i), ttlSeconds: 86_400, idleTimeoutSeconds: 86_400 });
      store.execute({ stream, decider: leaseDecider, command: { type: "RequestLease", lease }, now, meta });
      const provisioned = machine({ cloudID: `m${i}` });
      store.execute({
        stream,
        decider: leaseDecider,
        command: { type: "RecordMachineProvisioned", machine: provisioned },
        now,
        meta,
      });
    }

    const heartbeat = (n: number) => {
      now += 50;
      const stream = leaseStream(leaseID(n % leases));
      store.execute({
        stream,
        decider: leaseDecider,
        command: { type: "Heartbeat", telemetry: sample(now) },
        now,
        meta,
      });
    };

    // Baseline tables: a copy of `events` with its constraints and indexes, and a plain table.
    const ddl = sql
      .exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE tbl_name = 'events' AND sql IS NOT NULL")
      .toArray();
    for (const { sql: statement } of ddl) {
      sql.exec(
        statement
          .replace(/\bevents_by_/g, "bench_events_by_")
          .replace(/\bON events\b/, "ON bench_events")
          .replace(/^CREATE TABLE events/, "CREATE TABLE bench_events"),
      );
    }
    sql.exec(
      "CREATE TABLE bench_plain (seq INTEGER PRIMARY KEY, stream TEXT, type TEXT, data TEXT, meta TEXT, at INTEGER)",
    );
    const metaJson = JSON.stringify(meta);
    let version = 0;
    const bareInsert = (n: number) => {
      now += 50;
      const data = JSON.stringify({ telemetry: sample(now) });
      state.storage.transactionSync(() => {
        sql.exec(
          "INSERT INTO bench_events (id, stream, version, type, schema, data, meta, dedupe_key, owner, at) VALUES (?, ?, ?, ?, 2, ?, ?, NULL, ?, ?)",
          newUlid(now),
          leaseStream(leaseID(n % leases)),
          ++version,
          "Heartbeat",
          data,
          metaJson,
          "peter@example.com",
          now,
        );
      });
    };
    const plainInsert = (n: number) => {
      now += 50;
      const data = JSON.stringify({ telemetry: sample(now) });
      state.storage.transactionSync(() => {
        sql.exec(
          "INSERT INTO bench_plain (stream, type, data, meta, at) VALUES (?, ?, ?, ?, ?)",
          leaseStream(leaseID(n % leases)),
          "Heartbeat",
          data,
          metaJson,
          now,
        );
      });
    };
    // Interleave the three workloads in short slices so that noise from other processes on the
    // machine falls on all of them alike; sum each workload's slices.
    const totals = { append: 0, bare: 0, plain: 0 };
    const slice = 100;
    let n = 0;
    for (const f of [heartbeat, bareInsert, plainInsert]) for (let i = 0; i < warmup; i++) f(i);
    for (let done = 0; done < appends; done += slice) {
      for (const [name, f] of [
        ["append", heartbeat],
        ["bare", bareInsert],
        ["plain", plainInsert],
      ] as const) {
        const begin = performance.now();
        for (let i = 0; i < slice; i++) f(n + i);
        totals[name] += performance.now() - begin;
      }
      n += slice;
    }
    // Replay the whole log into shadow projection tables, best of five.
    let replayPerEvent = Infinity;
    let replayed = 0;
    for (let round = 0; round < 5; round++) {
      const table = createShadowTables(sql, inlineProjections);
      const begin = performance.now();
      replayed = state.storage.transactionSync(() => replayLog(sql, inlineProjections, table));
      replayPerEvent = Math.min(replayPerEvent, (performance.now() - begin) / replayed);
      dropShadowTables(sql, inlineProjections);
    }
    const best = { ...totals, replay: replayPerEvent };
    sql.exec("DROP TABLE bench_events");
    sql.exec("DROP TABLE bench_plain");

    // One lease-hour: request, machine, 120 heartbeats with telemetry, release, deletion.
    const hourLease = "cbx_0000000fffff";
    const stream = leaseStream(hourLease);
    const sizeBefore = sql.databaseSize;
    let t = now + 1_000;
    const exec = (command: Parameters<typeof leaseDecider.decide>[0], at: number) =>
      store.execute({ stream, decider: leaseDecider, command, now: at, meta });
    exec({ type: "RequestLease", lease: leaseRequest({ leaseID: hourLease }) }, t);
    t += 20_000;
    exec({ type: "RecordMachineProvisioned", machine: machine({ cloudID: "hour" }) }, t);
    for (let i = 0; i < 120; i++) {
      t += 30_000;
      exec({ type: "Heartbeat", telemetry: sample(t) }, t);
    }
    exec({ type: "Release", releasedBy: "peter@example.com" }, t + 1_000);
    exec({ type: "RecordMachineDeleted", cloudID: "hour", alreadyGone: false }, t + 2_000);
    // Row bytes of the log: every column as stored (text lengths, 8 bytes per integer).
    const log = sql
      .exec<{ bytes: number; n: number }>(
        `SELECT SUM(LENGTH(id) + LENGTH(stream) + LENGTH(type) + LENGTH(data) + LENGTH(meta)
                    + COALESCE(LENGTH(dedupe_key), 0) + COALESCE(LENGTH(owner), 0) + 4 * 8) AS bytes,
                COUNT(*) AS n
         FROM events WHERE stream = ?`,
        stream,
      )
      .one();
    return { best, replayed, logBytes: log.bytes, logEvents: log.n, growth: sql.databaseSize - sizeBefore };
  });

  const appendRate = rate(appends, figures.best.append);
  const bareRate = rate(appends, figures.best.bare);
  const plainRate = rate(appends, figures.best.plain);
  const replayRate = rate(1, figures.best.replay);
  const slowdown = bareRate / appendRate;
  const replaySpeedup = replayRate / appendRate;
  const kb = (b: number) => (b / 1024).toFixed(1);
  const verdict = (ok: boolean) => (ok ? "meets target" : "MISSES target");
  console.log(
    [
      `store bench — one Fleet Durable Object in workerd; ${appends} heartbeat commands over ${leases} leases, interleaved with the baselines`,
      `  append (execute + projections): ${appendRate} appends/s`,
      `  bare single-row insert:         ${bareRate} inserts/s (same events table and indexes, nothing else)`,
      `  (plain table, no indexes:       ${plainRate} inserts/s)`,
      `  → append is ${slowdown.toFixed(2)}x slower than bare inserts (target ≤ 4x): ${verdict(slowdown <= 4)}`,
      `  replay into shadow projections: ${replayRate} events/s over ${figures.replayed} events`,
      `  → replay is ${replaySpeedup.toFixed(2)}x faster than live appending (target ≥ 5x): ${verdict(replaySpeedup >= 5)}`,
      `  log per lease-hour (30 s heartbeats with telemetry, ${figures.logEvents} events): ${kb(figures.logBytes)} KB of event rows (target ≤ 100 KB): ${verdict(figures.logBytes <= 100 * 1024)}`,
      `    (database growth for that hour incl. indexes, snapshots and projections: ${kb(figures.growth)} KB)`,
    ].join("\n"),
  );
  expect(figures.replayed).toBeGreaterThan(appends);
});
