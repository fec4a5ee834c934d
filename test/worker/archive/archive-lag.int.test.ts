import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { archiveLagMs, archiveStep, archiveTestFaults } from "../../../src/worker/fleet/archive/archiver";
import { fleetDeps } from "../../../src/worker/fleet/deps";
import { day, endedLease, liveLease, newLeaseID } from "./support";

const fleet = () => env.FLEET.get(env.FLEET.idFromName(`archive-lag-${crypto.randomUUID()}`));

afterEach(() => {
  archiveTestFaults.at = undefined;
});

describe("the archive lag of GET /v1/admin/metrics", () => {
  it("counts from when the oldest ended stream became due, keeps counting while the bucket fails, and is 0 once archived", async () => {
    await runInDurableObject(fleet(), async (fleetDO, state) => {
      const now = Date.now();
      const deps = fleetDeps(state.storage, fleetDO.store, env as unknown as Record<string, unknown>);
      expect(archiveLagMs(deps, now)).toBe(0);
      endedLease(fleetDO.store, newLeaseID(), now - 10 * day);
      // A live lease is never due; its event is also the log's newest, which stays in the DO.
      liveLease(fleetDO.store, newLeaseID(), now - day);
      const lag = archiveLagMs(deps, now);
      // Ended ten days ago, due after the default seven: about three days late.
      expect(lag).toBeGreaterThan(2.9 * day);
      expect(lag).toBeLessThan(3.1 * day);

      archiveTestFaults.at = (step) => {
        if (step === "put-done") throw new Error("bucket down");
      };
      expect(await archiveStep(deps, now)).toEqual({ objects: 0, events: 0 });
      expect(archiveLagMs(deps, now + 60_000)).toBe(lag + 60_000);

      archiveTestFaults.at = undefined;
      const later = now + 10 * 60_000;
      expect((await archiveStep(deps, later)).objects).toBe(1);
      expect(archiveLagMs(deps, later)).toBe(0);
    });
  });
});
