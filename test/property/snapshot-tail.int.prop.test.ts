/**
 * Property: a heartbeat rewrites its stream's snapshot row only every 16th version
 * (docs/event-log.md#write-cost-of-a-heartbeat), so a decider loads the snapshot and folds the
 * heartbeats after it. For any heartbeat-heavy history that load equals the fold of the whole
 * stream, the projections (heartbeat summaries included) equal a replay of the log, and a
 * rebuild from the log leaves every table byte for byte as the live writes did.
 */
import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { expect, it } from "vitest";
import { snapshotEvery } from "../../src/events/append";
import { leaseDecider, leaseStream } from "../../src/events/lease-decider";
import type { EvolvableEvent } from "../../src/events/types";
import { rebuildProjections, verifyProjections } from "../../src/projections/verify";
import { leaseRequest, machine } from "../events/fixtures";
import { leaseCommand } from "./arbitraries";
import { applyHistory, dump, freshFleet, leaseIDs, type Step } from "./store-support";

const heartbeat = fc.record({
  kind: fc.constant("lease" as const),
  target: fc.nat({ max: leaseIDs.length - 1 }),
  gap: fc.integer({ min: 0, max: 30_000 }),
  command: fc.boolean().map((withTelemetry) => ({
    type: "Heartbeat" as const,
    ...(withTelemetry ? { telemetry: { capturedAt: 0, load1: 0.5 } } : {}),
  })),
});
const anyLeaseStep = fc
  .tuple(fc.nat({ max: leaseIDs.length - 1 }), fc.integer({ min: 0, max: 120_000 }))
  .chain(([target, gap]) =>
    leaseCommand(leaseIDs[target]).map((command) => ({ kind: "lease" as const, target, command, gap })),
  );

const heartbeatHeavy = fc
  .array(fc.oneof({ arbitrary: heartbeat, weight: 12 }, { arbitrary: anyLeaseStep, weight: 1 }), {
    minLength: 20,
    maxLength: 90,
  })
  .map((steps): Step[] => [
    ...leaseIDs.flatMap((id, target): Step[] => [
      {
        kind: "lease",
        target,
        gap: 0,
        command: { type: "RequestLease", lease: requestOf(id) },
      },
      { kind: "lease", target, gap: 0, command: { type: "RecordMachineProvisioned", machine: machine() } },
    ]),
    ...steps,
  ]);

function requestOf(leaseID: string) {
  return leaseRequest({ leaseID, ttlSeconds: 86_400, idleTimeoutSeconds: 3_600 });
}

it(`loading a stream from its snapshot and the heartbeats after it equals the fold of the whole stream`, async () => {
  await fc.assert(
    fc.asyncProperty(heartbeatHeavy, async (steps) => {
      await runInDurableObject(freshFleet("snapshot-tail"), (fleet, state) => {
        applyHistory(fleet.store, steps);
        for (const id of leaseIDs) {
          const stream = leaseStream(id);
          const events = fleet.store.readStream(stream);
          let folded = leaseDecider.initialState();
          for (const event of events) folded = leaseDecider.evolve(folded, event as EvolvableEvent<never>);
          expect(fleet.store.load(stream, leaseDecider)).toEqual({
            state: folded,
            version: events.length,
          });
          const row = state.storage.sql
            .exec<{ version: number }>("SELECT version FROM streams WHERE stream = ?", stream)
            .one();
          // The row lags by fewer than `snapshotEvery` heartbeats, never more.
          expect(events.length - row.version).toBeLessThan(snapshotEvery);
          expect(events.slice(row.version).every((event) => event.type === "Heartbeat")).toBe(true);
        }
        const report = verifyProjections(state.storage);
        expect(report.snapshotDifferences).toEqual([]);
        expect(report.differences).toEqual([]);
        const live = dump(state.storage.sql);
        rebuildProjections(state.storage);
        expect(dump(state.storage.sql)).toBe(live);
      });
    }),
    { numRuns: 20 },
  );
});
