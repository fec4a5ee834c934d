import { type CostedLease, monthStart, runtimeEstimateUSD } from "../../../domain/cost";
import { poolMachineCosts } from "../../../events/pool-state";
import { costRelevantPoolMachines } from "../../../projections/pool-queries";
import type { FleetDeps } from "../deps";
import { reservation } from "../leases/prices";
import { poolOwner } from "./pool-spec";

/**
 * Pool machines as the cost caps see them (docs/api.md#cost-guardrails-and-prices): a ready
 * machine costs money, so it holds a live slot and its reservation (its maximum ready age)
 * in the fleet's count until it is claimed or deleted; after that, its time in the pool is
 * spend. They belong to the owner and org `crabbox-pool`, so only fleet-wide caps see them.
 */
export function costedPoolMachines(deps: FleetDeps, now: number): CostedLease[] {
  return costRelevantPoolMachines(deps.sql, monthStart(now)).map((m) => {
    const reserved = reservation(Math.ceil(poolReadyAge(deps, m) / 1000), m.estimatedHourlyUSD);
    return {
      owner: poolOwner,
      org: poolOwner,
      live: poolMachineCosts(m.state),
      createdAt: m.requestedAt,
      reservedUSD: reserved,
      spentUSD: runtimeEstimateUSD(m.requestedAt, m.endedAt ?? now, m.estimatedHourlyUSD, reserved),
    };
  });
}

export function poolReadyAge(
  deps: FleetDeps,
  m: { provider: string; class: string; region: string },
): number {
  const pool = deps.settings.pools.pools.find(
    (p) => p.provider === m.provider && p.class === m.class && p.region === m.region,
  );
  return pool?.maxReadyAgeMs ?? 3_600_000;
}
