import { CrabboxError } from "../errors";

/**
 * Cost guardrails (docs/api.md#cost-guardrails-and-prices): caps on live leases and on
 * monthly spend, per fleet, owner and org, checked BEFORE any provider call.
 *
 * Differences from the reference, deliberately:
 * - A lease counts while its machine may still exist ("live": provisioning, active, or ended
 *   with its machine deletion still pending or failing) — not merely while `active` and
 *   unexpired, so a machine whose delete keeps failing still occupies its slot.
 * - Monthly spend = the worst-case reservation of every live lease (whatever month it was
 *   created in: it keeps costing across the boundary) + the estimated actual cost of leases
 *   created this month whose machine is gone (their spend is known, no need to reserve more).
 */

export interface CostLimits {
  maxActiveLeases: number;
  maxActiveLeasesPerOwner: number;
  maxActiveLeasesPerOrg: number;
  maxMonthlyUSD: number;
  maxMonthlyUSDPerOwner: number;
  maxMonthlyUSDPerOrg: number;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The worst case of a lease: it runs for its whole TTL. */
export function maxEstimatedUSD(ttlSeconds: number, hourlyUSD: number): number {
  return round2((Math.max(1, ttlSeconds) / 3600) * hourlyUSD);
}

/** Estimated spend of a lease that ran from `startMs` to `stopMs`, capped by its reservation. */
export function runtimeEstimateUSD(
  startMs: number,
  stopMs: number,
  hourlyUSD: number,
  capUSD: number,
): number {
  const seconds = Math.max(0, Math.trunc((stopMs - startMs) / 1000));
  return round2(Math.min((seconds / 3600) * hourlyUSD, capUSD > 0 ? capUSD : Number.POSITIVE_INFINITY));
}

function intLimit(value: unknown): number {
  const n = Number.parseInt(String(value ?? ""), 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function moneyLimit(value: unknown): number {
  const n = Number.parseFloat(String(value ?? ""));
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** `0` (or unset, or garbage) disables a cap. */
export function costLimitsFromEnv(env: Record<string, unknown>): CostLimits {
  return {
    maxActiveLeases: intLimit(env.CRABBOX_MAX_ACTIVE_LEASES),
    maxActiveLeasesPerOwner: intLimit(env.CRABBOX_MAX_ACTIVE_LEASES_PER_OWNER),
    maxActiveLeasesPerOrg: intLimit(env.CRABBOX_MAX_ACTIVE_LEASES_PER_ORG),
    maxMonthlyUSD: moneyLimit(env.CRABBOX_MAX_MONTHLY_USD),
    maxMonthlyUSDPerOwner: moneyLimit(env.CRABBOX_MAX_MONTHLY_USD_PER_OWNER),
    maxMonthlyUSDPerOrg: moneyLimit(env.CRABBOX_MAX_MONTHLY_USD_PER_ORG),
  };
}

/** One lease as the guardrails see it. */
export interface CostedLease {
  owner: string;
  org: string;
  live: boolean;
  createdAt: number;
  /** Worst-case reservation (`maxEstimatedUSD`). */
  reservedUSD: number;
  /** Estimated actual spend so far (for leases whose machine is gone). */
  spentUSD: number;
}

export interface Exposure {
  live: number;
  monthUSD: number;
}

export interface CostExposure {
  fleet: Exposure;
  owner: Exposure;
  org: Exposure;
}

/** Start of the UTC month containing `now`, unix ms. */
export function monthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** `YYYY-MM` of `now` in UTC. */
export function monthKey(now: number): string {
  return new Date(now).toISOString().slice(0, 7);
}

/**
 * Sums what each scope is exposed to. `leases` must contain at least every live lease and
 * every lease created since the start of the month (the caller's indexed query).
 */
export function costExposure(
  leases: readonly CostedLease[],
  caller: { owner: string; org: string },
  now: number,
): CostExposure {
  const start = monthStart(now);
  const empty = (): Exposure => ({ live: 0, monthUSD: 0 });
  const exposure: CostExposure = { fleet: empty(), owner: empty(), org: empty() };
  for (const lease of leases) {
    const month = lease.live ? lease.reservedUSD : lease.createdAt >= start ? lease.spentUSD : 0;
    const scopes: Exposure[] = [exposure.fleet];
    // As in the reference, the owner cap follows the person across orgs.
    if (lease.owner === caller.owner) scopes.push(exposure.owner);
    if (lease.org === caller.org) scopes.push(exposure.org);
    for (const scope of scopes) {
      if (lease.live) scope.live++;
      scope.monthUSD = round2(scope.monthUSD + month);
    }
  }
  return exposure;
}

const usd = (value: number) => `$${value.toFixed(2)}`;

/** Throws `cost_limit_exceeded` naming the first cap the candidate would break. */
export function enforceCostLimits(limits: CostLimits, exposure: CostExposure, candidateUSD: number): void {
  const countChecks: [number, number, string][] = [
    [limits.maxActiveLeases, exposure.fleet.live, "active lease limit exceeded"],
    [limits.maxActiveLeasesPerOwner, exposure.owner.live, "active lease limit for owner exceeded"],
    [limits.maxActiveLeasesPerOrg, exposure.org.live, "active lease limit for org exceeded"],
  ];
  for (const [max, current, message] of countChecks) {
    if (max > 0 && current + 1 > max) {
      throw new CrabboxError("cost_limit_exceeded", `${message}: ${current + 1}/${max}`);
    }
  }
  const moneyChecks: [number, number, string][] = [
    [limits.maxMonthlyUSD, exposure.fleet.monthUSD, "monthly budget exceeded"],
    [limits.maxMonthlyUSDPerOwner, exposure.owner.monthUSD, "monthly budget for owner exceeded"],
    [limits.maxMonthlyUSDPerOrg, exposure.org.monthUSD, "monthly budget for org exceeded"],
  ];
  for (const [max, current, message] of moneyChecks) {
    const total = round2(current + candidateUSD);
    if (max > 0 && total > max) {
      throw new CrabboxError("cost_limit_exceeded", `${message}: ${usd(total)}/${usd(max)}`);
    }
  }
}
