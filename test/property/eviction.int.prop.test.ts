/**
 * Property 5: the results are identical when the Durable Object is evicted between operations
 * — nothing the store or the projections rely on lives only in memory. Two objects run the same
 * history; one is evicted at random points. Every answer and the final database must match
 * (event ULIDs aside, which are random by design).
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { expect, it } from "vitest";
import { t0 } from "../events/fixtures";
import { dump, freshFleet, history, runStep, type StepResult } from "./store-support";

const withoutIds = (result: StepResult) =>
  "ok" in result
    ? {
        status: result.ok.status,
        version: result.ok.version,
        state: result.ok.state,
        events: result.ok.events.map(({ id: _id, ...rest }) => rest),
        outcome: { ...result.ok.outcome, eventIds: result.ok.outcome.eventIds.length },
      }
    : result;

it("answers the same with and without evictions between operations", async () => {
  await fc.assert(
    fc.asyncProperty(
      history(12),
      fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
      async (steps, evictions) => {
        const steady = freshFleet("steady");
        const evicted = freshFleet("evicted");
        let now = t0;
        // Only a running object can be evicted.
        let running = false;
        for (const [i, step] of steps.entries()) {
          now += step.gap;
          const at = now;
          const key =
            i % 3 === 0 ? { dedupeKey: `k${i % 6}`, fingerprint: JSON.stringify(step.command) } : {};
          const a = await runInDurableObject(steady, (fleet) =>
            withoutIds(runStep(fleet.store, step, at, key)),
          );
          if (evictions[i % evictions.length] && running) await evictDurableObject(evicted);
          const b = await runInDurableObject(evicted, (fleet) =>
            withoutIds(runStep(fleet.store, step, at, key)),
          );
          running = true;
          expect(b).toEqual(a);
        }
        const finalA = await runInDurableObject(steady, (_, state) =>
          dump(state.storage.sql, { withoutEventIds: true }),
        );
        await evictDurableObject(evicted);
        const finalB = await runInDurableObject(evicted, (_, state) =>
          dump(state.storage.sql, { withoutEventIds: true }),
        );
        expect(finalB).toBe(finalA);
      },
    ),
    { numRuns: 10 },
  );
});
