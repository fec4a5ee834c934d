/**
 * Property 2: for any history, the projections built live in the append transactions equal the
 * projections rebuilt from the log (real DO SQLite), row by row.
 */
import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { expect, it } from "vitest";
import { verifyProjections } from "../../src/projections/verify";
import { applyHistory, freshFleet, history } from "./store-support";

it("live projections equal projections rebuilt from the log", async () => {
  await fc.assert(
    fc.asyncProperty(history(40), async (steps) => {
      await runInDurableObject(freshFleet("replay"), (fleet, state) => {
        applyHistory(fleet.store, steps);
        const report = verifyProjections(state.storage);
        expect(report.differences).toEqual([]);
        expect(report.ok).toBe(true);
        expect(report.eventsReplayed).toBe(fleet.store.head());
      });
    }),
    { numRuns: 25 },
  );
});
