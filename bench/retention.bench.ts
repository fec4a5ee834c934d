/**
 * Retention benchmark (`npm run bench:retention`, docs/event-log.md#retention-benchmark): one
 * Fleet Durable Object in workerd with miniflare's R2 lives through 30 simulated days. A fleet
 * of `BENCH_FLEET` lease slots (default 4; the issue's fleet is 200) keeps a lease running in
 * every slot: 30 s heartbeats with telemetry, one run per lease, a release after 30 min to 4 h
 * (fixed seed), the machine's deletion, then the next lease. Every simulated hour the archive
 * step and the ageing run as the alarm runs them (same functions, the simulated clock), with
 * the production settings (archive after 7 days, history 90 days). Printed:
 *  - the DO's database size at the end of each simulated day, and day 30 ÷ day 8 (target: flat);
 *  - the archive's bytes and bytes per archived lease-hour (target ≤ 20 KB);
 *  - the replay of the whole month from the archive (plus the live log), in events/s (target
 *    ≥ 50,000), and as a ratio to a baseline measured in the same process: the live-log replay
 *    of the same number of events (`replayLog` into shadow tables), so the machine's load
 *    falls on both.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { leaseDecider, leaseStream } from "../src/events/lease-decider";
import { runDecider, runStream } from "../src/events/run-decider";
import type { EventMeta } from "../src/events/types";
import { inlineProjections } from "../src/projections/inline";
import { createShadowTables, dropShadowTables, replayLog } from "../src/projections/verify";
import { ageProjections } from "../src/worker/fleet/archive/age-projections";
import { type ArchiveReplayStats, replayAcrossArchive } from "../src/worker/fleet/archive/archive-replay";
import { archiveStep } from "../src/worker/fleet/archive/archiver";
import { fleetDeps } from "../src/worker/fleet/deps";
import { leaseRequest, machine, runStart, sample } from "../test/events/fixtures";

const settings = env as unknown as Record<string, string | undefined>;
const slots = Number(settings.BENCH_FLEET ?? 4);
const days = Number(settings.BENCH_DAYS ?? 30);
const seed = Number(settings.BENCH_SEED ?? 16);
const hour = 3_600_000;
const day = 24 * hour;
const beat = 30_000;
const meta: EventMeta = { actor: { kind: "github", owner: "peter@example.com", org: "openclaw" } };

/** mulberry32: a small seeded generator, so every run simulates the same fleet. */
function random(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The bytes of a table's rows' values (text and blob lengths, integers as their digits). */
function tableBytes(sql: SqlStorage, table: string): number {
  const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info(?)", table).toArray();
  const sum = columns.map((c) => `coalesce(length(CAST("${c.name}" AS BLOB)), 0)`).join(" + ");
  return sql.exec<{ n: number | null }>(`SELECT sum(${sum}) AS n FROM ${table}`).one().n ?? 0;
}

interface Slot {
  leaseID: string;
  endsAt: number;
}

it("keeps the DO flat over 30 simulated days while the archive takes ended streams", async () => {
  const stub = env.FLEET.get(env.FLEET.idFromName(`bench-retention-${crypto.randomUUID()}`));
  const figures = await runInDurableObject(stub, async (fleet, state) => {
    const store = fleet.store;
    const sql = state.storage.sql;
    const deps = fleetDeps(state.storage, store, env as unknown as Record<string, unknown>);
    const next = random(seed);
    const start = Date.UTC(2026, 10, 1);
    let serial = 0;
    const leaseHours = new Map<string, number>();
    const lease = (id: string, command: Parameters<typeof leaseDecider.decide>[0], now: number) =>
      store.execute({ stream: leaseStream(id), decider: leaseDecider, command, now, meta });
    const begin = (now: number): Slot => {
      serial += 1;
      const leaseID = `cbx_${serial.toString(16).padStart(12, "0")}`;
      const request = leaseRequest({
        leaseID,
        slug: `s-${serial}`,
        providerKey: `crabbox-${leaseID}`,
        ttlSeconds: 86_400,
        idleTimeoutSeconds: 3_600,
        provisioningDeadlineAt: now + 120_000,
      });
      lease(leaseID, { type: "RequestLease", lease: request }, now);
      lease(
        leaseID,
        { type: "RecordMachineProvisioned", machine: machine({ cloudID: `m-${serial}` }) },
        now + 1,
      );
      const runID = `run_${serial.toString(16).padStart(12, "0")}`;
      const run = (command: Parameters<typeof runDecider.decide>[0], at: number) =>
        store.execute({ stream: runStream(runID), decider: runDecider, command, now: at, meta });
      run({ type: "StartRun", run: runStart({ runID, leaseID, slug: `s-${serial}` }) }, now + 2);
      run({ type: "AppendRunEvent", event: { type: "stdout", stream: "stdout", message: "ok\n" } }, now + 3);
      run({ type: "FinishRun", finish: { exitCode: 0, log: "ok\n".repeat(50), commandMs: 900 } }, now + 4);
      const lifetime = Math.round((0.5 + next() * 3.5) * hour);
      leaseHours.set(leaseID, lifetime / hour);
      return { leaseID, endsAt: now + lifetime };
    };
    const fleetSlots: Slot[] = Array.from({ length: slots }, (_, i) => begin(start + i * 1_000));
    const sizes: number[] = [];
    const liveEvents: number[] = [];
    const leasesByDay: number[] = [];
    const countLive = () => sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n;
    let events = 0;
    const maintain = async (now: number) => {
      for (let round = 0; round < 1_000; round++) {
        const done = await archiveStep(deps, now);
        if (done.objects === 0) break;
      }
      ageProjections(state.storage, now, deps.settings.historyRetentionMs);
    };
    const end = start + days * day;
    for (let now = start + beat; now < end; now += beat) {
      for (const [i, slot] of fleetSlots.entries()) {
        if (now < slot.endsAt) {
          const telemetry = sample(now, {
            load1: Math.round(next() * 400) / 100,
            memoryPercent: Math.round(next() * 1000) / 10,
          });
          lease(slot.leaseID, { type: "Heartbeat", telemetry }, now);
          events += 1;
          continue;
        }
        lease(slot.leaseID, { type: "Release", releasedBy: "peter@example.com" }, now);
        lease(
          slot.leaseID,
          {
            type: "RecordMachineDeleted",
            cloudID: `m-${Number.parseInt(slot.leaseID.slice(4), 16)}`,
            alreadyGone: false,
          },
          now + 1,
        );
        fleetSlots[i] = begin(now + 2);
      }
      if ((now - start) % hour === 0) await maintain(now);
      if ((now - start) % day === 0) {
        sizes.push(sql.databaseSize);
        liveEvents.push(countLive());
        leasesByDay.push(serial);
      }
    }
    await maintain(end);
    sizes.push(sql.databaseSize);
    liveEvents.push(countLive());
    leasesByDay.push(serial);
    // What the DO holds besides the live log: rows kept for the history window (90 days).
    const kept = Object.fromEntries(
      [
        "leases",
        "runs",
        "run_events",
        "run_logs",
        "lease_heartbeats",
        "lease_usage",
        "event_attachments",
        "archive_tombstones",
      ].map((t) => [t, sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${t}`).one().n]),
    );
    const rowBytes = Object.fromEntries(Object.keys(kept).map((t) => [t, tableBytes(sql, t)]));

    const tombstones = sql
      .exec<{ stream: string; bytes: number; events: number; final: number }>(
        "SELECT stream, bytes, events, final FROM archive_tombstones",
      )
      .toArray();
    const archiveBytes = tombstones.reduce((n, t) => n + t.bytes, 0);
    const archivedEvents = tombstones.reduce((n, t) => n + t.events, 0);
    const archivedHours = tombstones
      .filter((t) => t.final === 1 && t.stream.startsWith("lease:"))
      .reduce((n, t) => n + (leaseHours.get(t.stream.slice("lease:".length)) ?? 0), 0);
    // Archive + live replay, then the baseline: the live log replayed as often as it takes to
    // fold as many events, in the same process.
    const stats: ArchiveReplayStats = { objects: 0, chars: 0, peakHeldChars: 0 };
    const replayStart = performance.now();
    const report = await replayAcrossArchive(deps, stats);
    const replayMs = performance.now() - replayStart;
    let baselineEvents = 0;
    let baselineMs = 0;
    while (baselineEvents < report.eventsReplayed) {
      const table = createShadowTables(sql, inlineProjections);
      const t = performance.now();
      baselineEvents += state.storage.transactionSync(() => replayLog(sql, inlineProjections, table));
      baselineMs += performance.now() - t;
      dropShadowTables(sql, inlineProjections);
    }
    return {
      sizes,
      liveEvents,
      kept,
      rowBytes,
      leasesByDay,
      archiveBytes,
      archivedEvents,
      archivedHours,
      objects: stats.objects,
      peakHeldChars: stats.peakHeldChars,
      replayed: report.eventsReplayed,
      replayOk: report.ok,
      replayMs,
      baselineRate: (baselineEvents / baselineMs) * 1000,
      heartbeats: events,
      leases: serial,
    };
  });

  const mb = (b: number) => (b / 1_048_576).toFixed(2);
  const kb = (b: number) => (b / 1024).toFixed(1);
  const verdict = (ok: boolean) => (ok ? "meets target" : "MISSES target");
  const day8 = figures.sizes[7] ?? 0;
  const last = figures.sizes.at(-1) ?? 0;
  const perLeaseHour = figures.archiveBytes / Math.max(1, figures.archivedHours);
  const replayRate = (figures.replayed / figures.replayMs) * 1000;
  console.log(
    [
      `retention bench — ${days} simulated days, ${slots} lease slots (${figures.leases} leases, ${figures.heartbeats} heartbeats), seed ${seed}`,
      `  DO database size by day (MB): ${figures.sizes.map(mb).join(" ")}`,
      `  → day ${days} ÷ day 8: ${(last / Math.max(1, day8)).toFixed(2)}x (target: flat, 1.00x): ${verdict(last <= day8 * 1.05)}`,
      `  live log events by day: ${figures.liveEvents.join(" ")}`,
      `  → day ${days} ÷ day 8: ${((figures.liveEvents.at(-1) ?? 0) / Math.max(1, figures.liveEvents[7] ?? 0)).toFixed(2)}x`,
      `  rows kept for the 90-day history window at the end: ${Object.entries(figures.kept)
        .map(([t, n]) => `${t} ${n}`)
        .join(", ")}`,
      `  their row bytes (content, no page or index overhead) per lease kept: ${Object.entries(
        figures.rowBytes,
      )
        .map(([t, b]) => `${t} ${Math.round(b / Math.max(1, figures.kept.leases ?? 0))}`)
        .join(", ")} B`,
      `  → DO growth day 8 → day ${days}: ${kb((last - day8) / Math.max(1, figures.leases - (figures.leasesByDay[7] ?? 0)))} KB per lease begun after day 8`,
      `  archive: ${figures.objects} objects, ${figures.archivedEvents} events, ${mb(figures.archiveBytes)} MB gzip NDJSON`,
      `  → ${kb(perLeaseHour)} KB per archived lease-hour (target ≤ 20 KB): ${verdict(perLeaseHour <= 20 * 1024)}`,
      `  replay of the month from the archive + live log: ${Math.round(replayRate)} events/s over ${figures.replayed} events (target ≥ 50,000): ${verdict(replayRate >= 50_000)}`,
      `    ${(replayRate / figures.baselineRate).toFixed(2)}x the live-log replay measured in the same process (${Math.round(figures.baselineRate)} events/s); one object held at most ${kb(figures.peakHeldChars * 2)} KB of text`,
    ].join("\n"),
  );
  expect(figures.replayOk).toBe(true);
});
