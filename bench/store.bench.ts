/**
 * Event store benchmark, inside one Fleet Durable Object in workerd (`npm run bench:store`).
 * Prints four figures and their ratios against the targets of issue 2:
 *  - appends/s: one heartbeat command per transaction through `store.execute` (dedupe check,
 *    snapshot load, decide, insert, every inline projection, stream row);
 *  - bare inserts/s: the same event rows as single-row inserts, one per transaction, into a
 *    copy of the events table (same constraints and indexes) with nothing else: no dedupe, no
 *    state, no projections (the baseline; target: append ≤ 4x slower). A plain table without
 *    indexes is printed too;
 *  - replay events/s: the whole log folded into shadow projection tables (target ≥ 5x append);
 *  - log bytes per lease-hour: a lease heartbeating every 30 s with telemetry for an hour,
 *    from request to deleted machine (target ≤ 100 KB).
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
const appends = Number(process.env.BENCH_APPENDS ?? 3000);
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
      const lease = leaseRequest({
        leaseID: leaseID(i),
        ttlSeconds: 86_400,
        idleTimeoutSeconds: 86_400,
        provisioningDeadlineAt: t0 + 600_000,
      });
      store.execute({ stream, decider: leaseDecider, command: { type: "RequestLease", lease }, now, meta });
      store.execute({
        stream,
        decider: leaseDecider,
        command: { type: "RecordMachineProvisioned", machine: machine({ cloudID: `m${i}` }) },
        now,
        meta,
      });
    }
    const heartbeat = (n: number) => {
      now += 50;
      return store.execute({
        stream: leaseStream(leaseID(n % leases)),
        decider: leaseDecider,
        command: { type: "Heartbeat", telemetry: sample(now) },
        now,
        meta,
      });
    };

    for (let n = 0; n < warmup; n++) heartbeat(n);
    let started = performance.now();
    for (let n = 0; n < appends; n++) heartbeat(n);
    const appendMs = performance.now() - started;

    // Baseline: the same event rows as bare single-row inserts, one per transaction, into a
    // copy of the events table with the same constraints and indexes: no dedupe check, no
    // state, no decider, no projections. A plain table without indexes is printed beside it.
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
    const bareInto = (table: "bench_events" | "bench_plain") => (n: number) => {
      now += 50;
      const data = JSON.stringify({ telemetry: sample(now) });
      const stream = leaseStream(leaseID(n % leases));
      state.storage.transactionSync(() => {
        if (table === "bench_events") {
          sql.exec(
            "INSERT INTO bench_events (id, stream, version, type, schema, data, meta, dedupe_key, owner, at) VALUES (?, ?, ?, ?, 2, ?, ?, NULL, ?, ?)",
            newUlid(now),
            stream,
            ++version,
            "Heartbeat",
            data,
            metaJson,
            "peter@example.com",
            now,
          );
        } else {
          sql.exec(
            "INSERT INTO bench_plain (stream, type, data, meta, at) VALUES (?, ?, ?, ?, ?)",
            stream,
            "Heartbeat",
            data,
            metaJson,
            now,
          );
        }
      });
    };
    const timed = (f: (n: number) => void) => {
      for (let n = 0; n < warmup; n++) f(n);
      const begin = performance.now();
      for (let n = 0; n < appends; n++) f(n);
      return performance.now() - begin;
    };
    const bareMs = timed(bareInto("bench_events"));
    const plainMs = timed(bareInto("bench_plain"));
    sql.exec("DROP TABLE bench_events");
    sql.exec("DROP TABLE bench_plain");

    // Replay the whole log into shadow projection tables.
    const table = createShadowTables(sql, inlineProjections);
    started = performance.now();
    const replayed = state.storage.transactionSync(() => replayLog(sql, inlineProjections, table));
    const replayMs = performance.now() - started;
    dropShadowTables(sql, inlineProjections);

    // One lease-hour: request, machine, 120 heartbeats with telemetry, release, deletion.
    const hourLease = "cbx_0000000fffff";
    const stream = leaseStream(hourLease);
    const sizeBefore = sql.databaseSize;
    let t = now + 1_000;
    store.execute({
      stream,
      decider: leaseDecider,
      command: { type: "RequestLease", lease: leaseRequest({ leaseID: hourLease }) },
      now: t,
      meta,
    });
    store.execute({
      stream,
      decider: leaseDecider,
      command: { type: "RecordMachineProvisioned", machine: machine({ cloudID: "hour" }) },
      now: (t += 20_000),
      meta,
    });
    for (let i = 0; i < 120; i++) {
      t += 30_000;
      store.execute({
        stream,
        decider: leaseDecider,
        command: { type: "Heartbeat", telemetry: sample(t) },
        now: t,
        meta,
      });
    }
    store.execute({
      stream,
      decider: leaseDecider,
      command: { type: "Release", releasedBy: "peter@example.com" },
      now: (t += 1_000),
      meta,
    });
    store.execute({
      stream,
      decider: leaseDecider,
      command: { type: "RecordMachineDeleted", cloudID: "hour", alreadyGone: false },
      now: (t += 1_000),
      meta,
    });
    // Row bytes of the log: every column as stored (text lengths, 8 bytes per integer).
    const logBytes = sql
      .exec<{ bytes: number; n: number }>(
        `SELECT SUM(LENGTH(id) + LENGTH(stream) + LENGTH(type) + LENGTH(data) + LENGTH(meta) + COALESCE(LENGTH(dedupe_key), 0)
                    + COALESCE(LENGTH(owner), 0) + 4 * 8) AS bytes, COUNT(*) AS n FROM events WHERE stream = ?`,
        stream,
      )
      .one();
    const growth = sql.databaseSize - sizeBefore;

    return {
      appendMs,
      bareMs,
      plainMs,
      replayMs,
      replayed,
      logBytes: logBytes.bytes,
      logEvents: logBytes.n,
      growth,
    };
  });

  const appendRate = rate(appends, figures.appendMs);
  const bareRate = rate(appends, figures.bareMs);
  const plainRate = rate(appends, figures.plainMs);
  const replayRate = rate(figures.replayed, figures.replayMs);
  const slowdown = bareRate / appendRate;
  const replaySpeedup = replayRate / appendRate;
  const kb = (b: number) => (b / 1024).toFixed(1);
  const verdict = (ok: boolean) => (ok ? "meets target" : "MISSES target");
  const lines = [
    `store bench — one Fleet Durable Object in workerd, ${appends} heartbeat commands over ${leases} leases`,
    `  append (execute + projections): ${appendRate} appends/s`,
    `  bare single-row insert:         ${bareRate} inserts/s (same events table and indexes, nothing else)`,
    `  (plain table, no indexes:       ${plainRate} inserts/s)`,
    `  → append is ${slowdown.toFixed(2)}x slower than bare inserts (target ≤ 4x): ${verdict(slowdown <= 4)}`,
    `  replay into shadow projections: ${replayRate} events/s over ${figures.replayed} events`,
    `  → replay is ${replaySpeedup.toFixed(2)}x faster than live appending (target ≥ 5x): ${verdict(replaySpeedup >= 5)}`,
    `  log per lease-hour (30 s heartbeats with telemetry, ${figures.logEvents} events): ${kb(figures.logBytes)} KB of event rows (target ≤ 100 KB): ${verdict(figures.logBytes <= 100 * 1024)}`,
    `    (whole database growth for that hour incl. indexes, snapshots and projections: ${kb(figures.growth)} KB)`,
  ];
  console.log(lines.join("\n"));
  expect(figures.replayed).toBeGreaterThan(appends);
});
