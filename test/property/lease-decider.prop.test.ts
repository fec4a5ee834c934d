/**
 * Property 1 (pure): any sequence of commands against the lease and run deciders keeps the
 * invariants — only legal transitions, nothing after a terminal state, the expiry bound, no
 * ended lease left with a running machine and no clean-up path, contiguous versions, and a
 * state that is a pure fold of the events (incremental == replay).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCrabboxError } from "../../src/errors";
import type { LeaseEvent, RunEvent } from "../../src/events/catalogue";
import { leaseDecider } from "../../src/events/lease-decider";
import {
  isLeaseLive,
  type LeaseLifecycle,
  type LeaseState,
  type MachineState,
} from "../../src/events/lease-state";
import { runDecider } from "../../src/events/run-decider";
import type { EvolvableEvent } from "../../src/events/types";
import { t0 } from "../events/fixtures";
import { gapMs, leaseCommand, runCommand, stamp } from "./arbitraries";

const lifecycleEdges: Record<LeaseLifecycle, LeaseLifecycle[]> = {
  provisioning: ["provisioning", "active", "released", "expired", "failed"],
  active: ["active", "released", "expired"],
  released: ["released"],
  expired: ["expired"],
  failed: ["failed"],
};
const machineEdges: Record<MachineState, MachineState[]> = {
  none: ["none", "present", "delete_requested"],
  present: ["present", "kept", "delete_requested"],
  kept: ["kept", "delete_requested"],
  delete_requested: ["delete_requested", "deleted", "delete_failed"],
  delete_failed: ["delete_failed", "deleted"],
  deleted: ["deleted"],
};
const machineEventsOnly = new Set([
  "MachineProvisioned",
  "MachineAdopted",
  "MachineDeleteRequested",
  "MachineDeleted",
  "MachineDeleteFailed",
]);

describe("lease decider", () => {
  it("keeps its invariants for any command sequence", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(leaseCommand(), gapMs), { maxLength: 40 }), (steps) => {
        let state = leaseDecider.initialState();
        let now = t0;
        const log: EvolvableEvent<LeaseEvent>[] = [];
        for (const [raw, gap] of steps) {
          now += gap;
          const command = stamp(raw, now);
          let events: LeaseEvent[];
          try {
            events = leaseDecider.decide(command, state, now);
          } catch (error) {
            expect(isCrabboxError(error)).toBe(true);
            expect((error as { code: string }).code).not.toBe("internal");
            continue;
          }
          const before: LeaseState = state;
          if (before.exists && !isLeaseLive(before.state)) {
            for (const e of events) expect(machineEventsOnly.has(e.type)).toBe(true);
          }
          for (const e of events) {
            const recorded = { type: e.type, data: e.data, at: now } as EvolvableEvent<LeaseEvent>;
            const next = leaseDecider.evolve(state, recorded);
            expect(lifecycleEdges[state.state]).toContain(next.state);
            expect(machineEdges[state.machineState]).toContain(next.machineState);
            if (e.type === "MachineDeleteRequested") expect(next.cloudID).toBe(e.data.cloudID);
            log.push(recorded);
            state = next;
          }
          if (state.exists) {
            // Expiry bound: never past the TTL, always the min of the two windows.
            expect(state.expiresAt).toBeLessThanOrEqual(state.createdAt + state.ttlSeconds * 1000);
            expect(state.expiresAt).toBe(
              Math.min(
                state.createdAt + state.ttlSeconds * 1000,
                state.lastTouchedAt + state.idleTimeoutSeconds * 1000,
              ),
            );
            expect(state.idleTimeoutSeconds).toBeGreaterThanOrEqual(1);
            expect(state.idleTimeoutSeconds).toBeLessThanOrEqual(86_400);
            // Ended timestamps never move once set.
            if (before.exists && !isLeaseLive(before.state)) {
              expect(state.endedAt).toBe(before.endedAt);
              expect(state.releasedAt).toBe(before.releasedAt);
            }
            // An ended lease never leaves a running machine without a clean-up path (except `keep`).
            if (!isLeaseLive(state.state)) expect(state.machineState).not.toBe("present");
            // Release and expiry of an ended lease decide nothing (idempotent intents).
            if (!isLeaseLive(state.state)) {
              expect(leaseDecider.decide({ type: "Release", releasedBy: "x" }, state, now + 1)).toEqual([]);
              expect(leaseDecider.decide({ type: "Expire" }, state, now + 10_000_000)).toEqual([]);
            }
          }
        }
        // The state is a pure fold of the events (versions are the store's: see store-model).
        expect(log.reduce(leaseDecider.evolve, leaseDecider.initialState())).toEqual(state);
      }),
      { numRuns: 400 },
    );
  });
});

describe("run decider", () => {
  it("numbers run events contiguously and accepts nothing after the finish", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(runCommand(), gapMs), { maxLength: 30 }), (steps) => {
        let state = runDecider.initialState();
        let now = t0;
        const log: EvolvableEvent<RunEvent>[] = [];
        let records = 0;
        for (const [command, gap] of steps) {
          now += gap;
          const wasFinished = state.finished;
          let events: RunEvent[];
          try {
            events = runDecider.decide(command, state, now);
          } catch (error) {
            expect(isCrabboxError(error)).toBe(true);
            continue;
          }
          expect(wasFinished).toBe(false);
          for (const e of events) {
            if (e.type === "RunStarted") records = 1;
            if (e.type === "RunEventAppended" || e.type === "RunFinished") expect(e.data.seq).toBe(++records);
            const recorded = { type: e.type, data: e.data, at: now } as EvolvableEvent<RunEvent>;
            state = runDecider.evolve(state, recorded);
            log.push(recorded);
          }
          if (state.exists) {
            expect(state.eventCount).toBe(records);
            expect(state.telemetry.samples.length).toBeLessThanOrEqual(60);
            if (state.finished) expect(state.state).toBe(state.exitCode === 0 ? "succeeded" : "failed");
          }
        }
        expect(log.reduce(runDecider.evolve, runDecider.initialState())).toEqual(state);
      }),
      { numRuns: 300 },
    );
  });
});
