import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { leaseDecider, leaseStream } from "../../src/events/lease-decider";
import { runDecider, runStream } from "../../src/events/run-decider";
import { leaseTelemetryHistory } from "../../src/projections/lease-heartbeats";
import { getLease, leaseRecordWithHistory } from "../../src/projections/leases-queries";
import { toRunRecord } from "../../src/projections/records";
import { getRun, runEventsAfter, runLogText } from "../../src/projections/runs-queries";
import { usageSummary } from "../../src/projections/usage-queries";
import { verifyProjections } from "../../src/projections/verify";
import { leaseRequest, machine, runStart, sample, systemMeta, t0, userMeta } from "../events/fixtures";

const fleet = (name: string) => env.FLEET.get(env.FLEET.idFromName(`${name}-${crypto.randomUUID()}`));
const stream = leaseStream("cbx_abcdef123456");

describe("a lease from request to deleted machine", () => {
  it("keeps the lease row, heartbeat summary and usage row in step with the log, and replays to the same rows", async () => {
    await runInDurableObject(fleet("lease-life"), (fleetDO, state) => {
      const store = fleetDO.store;
      const run = (command: Parameters<typeof leaseDecider.decide>[0], now: number, meta = userMeta) =>
        store.execute({ stream, decider: leaseDecider, command, now, meta });

      run({ type: "RequestLease", lease: leaseRequest() }, t0);
      expect(getLease(state.storage.sql, "cbx_abcdef123456")?.state).toBe("provisioning");
      run({ type: "RecordMachineProvisioned", machine: machine() }, t0 + 5_000);
      for (let i = 1; i <= 65; i++)
        run(
          { type: "Heartbeat", telemetry: sample(t0 + 5_000 + i * 30_000, { load1: i / 10 }) },
          t0 + 5_000 + i * 30_000,
        );
      // Live: the history is read from the newest 60 heartbeat events; no summary row yet.
      const live = leaseTelemetryHistory(state.storage.sql, { id: "cbx_abcdef123456", state: "active" });
      expect(live.map((s) => s.capturedAt)).toEqual(
        Array.from({ length: 60 }, (_, i) => t0 + 5_000 + (i + 6) * 30_000),
      );
      expect(state.storage.sql.exec("SELECT 1 FROM lease_heartbeats").toArray()).toEqual([]);
      run({ type: "Release", releasedBy: "peter@example.com" }, t0 + 3_600_000);
      run(
        {
          type: "RecordMachineDeleteFailed",
          cloudID: "local-1",
          message: "provider timeout",
          nextAttemptAt: t0 + 3_660_000,
        },
        t0 + 3_600_500,
        systemMeta,
      );
      run(
        { type: "RecordMachineDeleted", cloudID: "local-1", alreadyGone: false },
        t0 + 3_661_000,
        systemMeta,
      );

      const lease = getLease(state.storage.sql, "cbx_abcdef123456");
      expect(lease).toMatchObject({
        state: "released",
        machineState: "deleted",
        deleteAttempts: 1,
        releasedAt: t0 + 3_600_000,
      });
      // Ended: one summary row holds what the 65 heartbeats said, and the same history.
      expect(state.storage.sql.exec("SELECT * FROM lease_heartbeats").toArray()).toEqual([
        expect.objectContaining({
          lease_id: "cbx_abcdef123456",
          heartbeats: 65,
          first_at: t0 + 35_000,
          last_at: t0 + 5_000 + 65 * 30_000,
        }),
      ]);
      const range = JSON.parse(
        String(state.storage.sql.exec("SELECT telemetry_range FROM lease_heartbeats").one().telemetry_range),
      );
      expect(range.load1).toEqual([0.1, 6.5]);
      expect(range.diskPercent).toEqual([12.3, 12.3]);
      const history = leaseTelemetryHistory(state.storage.sql, lease!);
      expect(history).toEqual(live);
      const record = leaseRecordWithHistory(state.storage.sql, lease!);
      expect(record).toMatchObject({
        id: "cbx_abcdef123456",
        state: "released",
        host: "127.0.0.1",
        sshPort: "40022",
        createdAt: new Date(t0).toISOString(),
        releasedAt: new Date(t0 + 3_600_000).toISOString(),
      });
      expect((record.telemetryHistory as unknown[]).length).toBe(60);
      expect(JSON.stringify(record)).not.toContain("ssh-ed25519");

      const usage = usageSummary(state.storage.sql, { month: "2026-11", scope: "all", now: t0 + 7_200_000 });
      expect(usage).toMatchObject({
        leases: 1,
        activeLeases: 0,
        runtimeSeconds: 3600,
        estimatedUSD: 0.5,
        reservedUSD: 0.75,
      });

      const report = verifyProjections(state.storage);
      expect(report.differences).toEqual([]);
      expect(report.ok).toBe(true);
      // request, provisioned, 65 heartbeats, released, delete requested, delete failed, deleted
      expect(report.eventsReplayed).toBe(71);
    });
  });
});

describe("a run with events, telemetry and a chunked log", () => {
  it("serves the reference's records and the log tail, and replays to the same rows", async () => {
    await runInDurableObject(fleet("run-life"), (fleetDO, state) => {
      const store = fleetDO.store;
      const s = runStream("run_0123456789ab");
      const exec = (command: Parameters<typeof runDecider.decide>[0], now: number) =>
        store.execute({ stream: s, decider: runDecider, command, now, meta: userMeta });
      exec({ type: "StartRun", run: runStart() }, t0);
      exec({ type: "AppendRunEvent", event: { type: "sync.started" } }, t0 + 100);
      exec(
        { type: "AppendRunEvent", event: { type: "stdout", stream: "stdout", message: "ok\n" } },
        t0 + 200,
      );
      exec({ type: "RecordRunTelemetry", sample: sample(t0 + 250) }, t0 + 250);
      const log = `${"é".repeat(400_000)}tail`;
      exec({ type: "FinishRun", finish: { exitCode: 0, log, commandMs: 90 } }, t0 + 1_000);

      const runRecord = toRunRecord(getRun(state.storage.sql, "run_0123456789ab")!);
      expect(runRecord).toMatchObject({
        state: "succeeded",
        phase: "succeeded",
        exitCode: 0,
        eventCount: 4,
        logBytes: 800_004,
        durationMs: 1000,
      });
      // Compared as a boolean: a failing 800 KB string diff would not fit the test pool's messages.
      const text = runLogText(state.storage.sql, "run_0123456789ab");
      expect(text.length).toBe(log.length);
      expect(text === log).toBe(true);
      const events = runEventsAfter(state.storage.sql, "run_0123456789ab", 1, 2);
      expect(events.map((e) => [e.seq, e.type])).toEqual([
        [2, "sync.started"],
        [3, "stdout"],
      ]);
      expect(runEventsAfter(state.storage.sql, "run_0123456789ab", 0, 500).map((e) => e.type)).toEqual([
        "run.started",
        "sync.started",
        "stdout",
        "command.finished",
      ]);
      const parts = state.storage.sql
        .exec<{ n: number }>("SELECT COUNT(*) AS n FROM event_attachments")
        .one().n;
      expect(parts).toBe(2);
      const finished = store.readAll({ type: "RunFinished" }).events[0];
      expect(JSON.stringify(finished).length).toBeLessThan(1_000);
      expect(verifyProjections(state.storage)).toMatchObject({ ok: true, differences: [] });
    });
  });
});
