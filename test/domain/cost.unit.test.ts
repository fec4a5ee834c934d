import { describe, expect, it } from "vitest";
import {
  type CostedLease,
  costExposure,
  costLimitsFromEnv,
  enforceCostLimits,
  maxEstimatedUSD,
  runtimeEstimateUSD,
} from "../../src/domain/cost";
import { CrabboxError } from "../../src/errors";

const now = Date.parse("2026-11-28T12:00:00.000Z");
const lastMonth = Date.parse("2026-10-30T12:00:00.000Z");
const caller = { owner: "peter@example.com", org: "openclaw" };

function lease(partial: Partial<CostedLease>): CostedLease {
  return { ...caller, live: true, createdAt: now - 1000, reservedUSD: 1, spentUSD: 0, ...partial };
}

function limitError(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CrabboxError);
    expect((error as CrabboxError).code).toBe("cost_limit_exceeded");
    return (error as CrabboxError).message;
  }
  throw new Error("expected cost_limit_exceeded");
}

describe("cost estimates", () => {
  it("reserves the whole TTL at the hourly price", () => {
    expect(maxEstimatedUSD(1800, 12)).toBe(6);
    expect(maxEstimatedUSD(0, 3600)).toBe(1);
  });

  it("estimates runtime cost, capped by the reservation", () => {
    expect(runtimeEstimateUSD(0, 3_600_000, 2, 3)).toBe(2);
    expect(runtimeEstimateUSD(0, 7_200_000, 2, 3)).toBe(3);
  });
});

describe("cost limits", () => {
  it("reads caps from the environment, 0 or garbage meaning disabled", () => {
    expect(
      costLimitsFromEnv({
        CRABBOX_MAX_ACTIVE_LEASES: "3",
        CRABBOX_MAX_MONTHLY_USD_PER_OWNER: "10.5",
        CRABBOX_MAX_MONTHLY_USD: "x",
      }),
    ).toMatchObject({
      maxActiveLeases: 3,
      maxMonthlyUSDPerOwner: 10.5,
      maxMonthlyUSD: 0,
      maxActiveLeasesPerOrg: 0,
    });
  });

  it("blocks a new lease when the owner's monthly budget would be exceeded", () => {
    const limits = { ...costLimitsFromEnv({}), maxMonthlyUSDPerOwner: 10 };
    const exposure = costExposure([lease({ reservedUSD: 9 })], caller, now);
    expect(limitError(() => enforceCostLimits(limits, exposure, 2))).toBe(
      "monthly budget for owner exceeded: $11.00/$10.00",
    );
    expect(() => enforceCostLimits(limits, exposure, 1)).not.toThrow();
  });

  it("counts a live lease from last month against this month's budget, but not an ended one", () => {
    const limits = { ...costLimitsFromEnv({}), maxMonthlyUSD: 5 };
    const live = costExposure([lease({ createdAt: lastMonth, reservedUSD: 5 })], caller, now);
    expect(limitError(() => enforceCostLimits(limits, live, 1))).toMatch(/^monthly budget exceeded/);
    const ended = costExposure(
      [lease({ createdAt: lastMonth, live: false, reservedUSD: 5, spentUSD: 5 })],
      caller,
      now,
    );
    expect(() => enforceCostLimits(limits, ended, 1)).not.toThrow();
  });

  it("counts an ended lease of this month at its actual spend, not its reservation", () => {
    const limits = { ...costLimitsFromEnv({}), maxMonthlyUSD: 5 };
    const exposure = costExposure([lease({ live: false, reservedUSD: 50, spentUSD: 1 })], caller, now);
    expect(() => enforceCostLimits(limits, exposure, 4)).not.toThrow();
    expect(() => enforceCostLimits(limits, exposure, 4.01)).toThrow(CrabboxError);
  });

  it("caps live leases per fleet, owner and org in that order", () => {
    const others = [lease({ owner: "a", org: "x" }), lease({ owner: "b", org: "openclaw" })];
    const exposure = costExposure([...others, lease({})], caller, now);
    expect(exposure.fleet.live).toBe(3);
    expect(exposure.owner.live).toBe(1);
    expect(exposure.org.live).toBe(2);
    const base = costLimitsFromEnv({});
    expect(limitError(() => enforceCostLimits({ ...base, maxActiveLeases: 3 }, exposure, 0))).toBe(
      "active lease limit exceeded: 4/3",
    );
    expect(limitError(() => enforceCostLimits({ ...base, maxActiveLeasesPerOwner: 1 }, exposure, 0))).toBe(
      "active lease limit for owner exceeded: 2/1",
    );
    expect(limitError(() => enforceCostLimits({ ...base, maxActiveLeasesPerOrg: 2 }, exposure, 0))).toBe(
      "active lease limit for org exceeded: 3/2",
    );
    expect(() => enforceCostLimits({ ...base, maxActiveLeases: 4 }, exposure, 0)).not.toThrow();
  });
});
