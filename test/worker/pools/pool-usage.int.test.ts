import { beforeEach, describe, expect, it } from "vitest";
import { api, later, uniqueOwner } from "../../support/fleet-api";
import { createLease, drainPools, localPool, pooledFleet, readPools, untilReady } from "./support";

beforeEach(drainPools);

describe("ready pools in GET /v1/usage", () => {
  it("shows the fleet-wide view each pool's machine time and cost, and stops counting a claimed machine", async () => {
    const fakes = pooledFleet([{ ...localPool, min: 1, max: 1, maxReadyAgeSeconds: 7200 }]);
    fakes.local.prices.set("local", 0.6);
    await readPools();
    await later(0);
    await untilReady(1);
    await later(3_600_000); // one hour ready and unclaimed

    const waiting = await api("admin", "GET", "/v1/usage?scope=all");
    expect(waiting.status, waiting.text).toBe(200);
    const [pool] = waiting.body.usage.byPool;
    expect(pool).toMatchObject({ key: "local/beast/", leases: 1, activeLeases: 1 });
    expect(pool.runtimeSeconds).toBeGreaterThanOrEqual(3600);
    expect(pool.estimatedUSD).toBeCloseTo(0.6, 1);
    expect(pool.reservedUSD).toBeCloseTo(1.2, 2); // its maximum ready age, 2 h
    expect(waiting.body.usage.poolEstimatedUSD).toBeCloseTo(0.6, 1);

    // Claimed: its pool time is settled; what follows is the lease's.
    const { res } = await createLease();
    expect(res.status, res.text).toBe(201);
    await later(0); // the replacement is requested
    await untilReady(1);
    await later(3_600_000); // the claimed machine's next hour is its lease's; the replacement's is the pool's
    const after = await api("admin", "GET", "/v1/usage?scope=all");
    const [both] = after.body.usage.byPool;
    expect(both).toMatchObject({ key: "local/beast/", leases: 2, activeLeases: 1 });
    expect(both.runtimeSeconds).toBeGreaterThanOrEqual(7200);
    expect(both.runtimeSeconds).toBeLessThan(7300);
    expect(after.body.usage.poolEstimatedUSD).toBeCloseTo(1.2, 1);
  });

  it("keeps pool machines out of a user's own usage", async () => {
    pooledFleet([localPool]);
    await readPools();
    const who = uniqueOwner();
    const mine = await api(who, "GET", "/v1/usage");
    expect(mine.status, mine.text).toBe(200);
    expect(mine.body.usage.byPool).toBeUndefined();
    expect(mine.body.usage.poolEstimatedUSD).toBeUndefined();
  });
});
