import type { UsageGroup } from "../../../api/usage";
import { runtimeEstimateUSD } from "../../../domain/cost";
import { poolMachineCosts } from "../../../events/pool-state";
import { poolMachinesRequested } from "../../../projections/pool-queries";
import type { FleetDeps } from "../deps";
import { reservation } from "../leases/prices";
import { poolReadyAge } from "./pool-cost";
import { poolKey } from "./pool-settings";

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * The ready pools in `GET /v1/usage` (docs/api.md#usage): pool machines requested in `month`,
 * each priced for its time in the pool — from its request until it was claimed, expired or
 * failed (or `now` while it waits) — as the cost caps count it (`pool-cost.ts`). Its time after
 * a claim is the claiming lease's.
 */
export function poolUsage(
  deps: FleetDeps,
  month: string,
  now: number,
): { byPool: UsageGroup[]; poolEstimatedUSD: number } {
  const [year, mon] = month.split("-").map(Number) as [number, number];
  const machines = poolMachinesRequested(deps.sql, Date.UTC(year, mon - 1, 1), Date.UTC(year, mon, 1));
  const groups = new Map<string, UsageGroup>();
  let total = 0;
  for (const m of machines) {
    const key = poolKey(m);
    const group = groups.get(key) ?? {
      key,
      leases: 0,
      activeLeases: 0,
      runtimeSeconds: 0,
      estimatedUSD: 0,
      reservedUSD: 0,
    };
    const end = m.endedAt ?? now;
    const reserved = reservation(Math.ceil(poolReadyAge(deps, m) / 1000), m.estimatedHourlyUSD);
    const spent = runtimeEstimateUSD(m.requestedAt, end, m.estimatedHourlyUSD, reserved);
    group.leases += 1;
    if (poolMachineCosts(m.state)) group.activeLeases += 1;
    group.runtimeSeconds += Math.max(0, Math.trunc((end - m.requestedAt) / 1000));
    group.estimatedUSD = round2(group.estimatedUSD + spent);
    group.reservedUSD = round2(group.reservedUSD + reserved);
    total = round2(total + spent);
    groups.set(key, group);
  }
  const byPool = [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { byPool, poolEstimatedUSD: total };
}
