/**
 * Property 3: sending the same command with the same dedupe key N times yields one set of
 * events and N identical outcomes (a refusal is refused the same way each time); a different
 * payload under a used key is refused with idempotency_key_reused and changes nothing.
 */
import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { expect, it } from "vitest";
import { canonicalJson } from "../../src/events/fingerprint";
import { t0 } from "../events/fixtures";
import { dump, freshFleet, history, runStep, type StepResult } from "./store-support";

const comparable = (result: StepResult) =>
  "ok" in result
    ? { outcome: result.ok.outcome, events: result.ok.events, version: result.ok.version }
    : result;

it("retries under one key append once and answer identically", async () => {
  await fc.assert(
    fc.asyncProperty(
      history(25),
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 30, maxLength: 30 }),
      async (steps, repeats) => {
        await runInDurableObject(freshFleet("retries"), (fleet, state) => {
          let now = t0;
          steps.forEach((step, i) => {
            now += step.gap;
            const key = `idem:peter@example.com:openclaw:${i}`;
            const fingerprint = canonicalJson(step.command);
            const n = repeats[i % repeats.length] ?? 1;
            const results: StepResult[] = [];
            // Retries arrive later: the clock moves on, the answer must not.
            for (let attempt = 0; attempt < n; attempt++)
              results.push(runStep(fleet.store, step, now + attempt * 1000, { dedupeKey: key, fingerprint }));
            const first = results[0] as StepResult;
            for (const retry of results.slice(1)) {
              expect(comparable(retry)).toEqual(comparable(first));
              if ("ok" in retry) expect(retry.ok.status).toBe("deduplicated");
            }
            const keyed = state.storage.sql
              .exec<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE dedupe_key = ?", key)
              .one().n;
            const produced = "ok" in first ? first.ok.events.length : 0;
            expect(keyed).toBe(produced > 0 ? 1 : 0);
            if ("ok" in first && produced > 0) {
              const range = state.storage.sql
                .exec<{ n: number }>(
                  "SELECT COUNT(*) AS n FROM events WHERE seq BETWEEN ? AND ?",
                  first.ok.outcome.firstSeq,
                  first.ok.outcome.lastSeq,
                )
                .one().n;
              expect(range).toBe(produced);
            }

            // Another payload under the same key: refused, nothing written.
            const before = dump(state.storage.sql);
            const other = runStep(fleet.store, step, now, {
              dedupeKey: key,
              fingerprint: `${fingerprint}-changed`,
            });
            expect(other).toEqual({ error: expect.objectContaining({ code: "idempotency_key_reused" }) });
            expect(dump(state.storage.sql)).toBe(before);
          });
        });
      },
    ),
    { numRuns: 15 },
  );
});
