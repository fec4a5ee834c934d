/**
 * Property 4: a failure injected at any step inside an append (after the dedupe check, after
 * any event insert, attachment, projection, the stream row or the dedupe record) leaves no
 * partial events, projection rows or dedupe rows: the database is byte-identical, and the
 * command then succeeds as if the crash had never happened.
 */
import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { expect, it } from "vitest";
import { canonicalJson } from "../../src/events/fingerprint";
import { EventStore } from "../../src/events/store";
import { inlineProjections } from "../../src/projections/inline";
import { verifyProjections } from "../../src/projections/verify";
import { t0 } from "../events/fixtures";
import { applyHistory, dump, freshFleet, history, runStep } from "./store-support";

class InjectedCrash extends Error {}

it("a crash at any step of an append leaves nothing behind", async () => {
  await fc.assert(
    fc.asyncProperty(
      history(20),
      history(8),
      fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
      async (prefix, tail, picks) => {
        await runInDurableObject(freshFleet("crash"), (fleet, state) => {
          let now = applyHistory(fleet.store, prefix);
          tail.slice(-8).forEach((step, i) => {
            now += step.gap + 1;
            const options = { dedupeKey: `crash:${i}`, fingerprint: canonicalJson(step.command) };
            // 1. Count the steps this command goes through, then throw at the last to roll it back.
            const steps: string[] = [];
            const probe = new EventStore(state.storage, {
              projections: inlineProjections,
              faultAt: (name) => {
                steps.push(name);
                if (name === "outcome-recorded" || name === "rejection-recorded")
                  throw new InjectedCrash(name);
              },
            });
            const before = dump(state.storage.sql);
            expect(() => runStep(probe, step, now, options)).toThrow(InjectedCrash);
            expect(dump(state.storage.sql)).toBe(before);
            // 2. Crash at a chosen step: nothing of the command may survive.
            const at = (picks[i] ?? 0) % steps.length;
            let count = 0;
            const faulty = new EventStore(state.storage, {
              projections: inlineProjections,
              faultAt: (name) => {
                if (count++ === at) throw new InjectedCrash(name);
              },
            });
            expect(() => runStep(faulty, step, now, options)).toThrow(InjectedCrash);
            expect(dump(state.storage.sql)).toBe(before);
            // 3. The retry after the crash runs normally.
            runStep(fleet.store, step, now, options);
            expect(
              state.storage.sql
                .exec<{ n: number }>(
                  "SELECT COUNT(*) AS n FROM commands WHERE dedupe_key = ?",
                  options.dedupeKey,
                )
                .one().n,
            ).toBe(1);
          });
          expect(verifyProjections(state.storage).ok).toBe(true);
          void t0;
        });
      },
    ),
    { numRuns: 15 },
  );
});
