import { type CostedLease, monthStart, runtimeEstimateUSD } from "../../../domain/cost";
import { isLeaseLive } from "../../../events/lease-state";
import { costRelevantLeases } from "../../../projections/leases-queries";
import type { FleetDeps } from "../deps";
import { costedPoolMachines } from "../pools/pool-cost";

/** Every lease and pool machine the caps count (pool machines: `pools/pool-cost.ts`). */
export function costedMachines(deps: FleetDeps, now: number): CostedLease[] {
  const leases: CostedLease[] = costRelevantLeases(deps.sql, monthStart(now)).map((lease) => ({
    owner: lease.owner,
    org: lease.org,
    live:
      isLeaseLive(lease.state) ||
      lease.machineState === "delete_requested" ||
      lease.machineState === "delete_failed",
    createdAt: lease.createdAt,
    reservedUSD: lease.maxEstimatedUSD,
    spentUSD: runtimeEstimateUSD(
      lease.createdAt,
      lease.endedAt ?? now,
      lease.estimatedHourlyUSD,
      lease.maxEstimatedUSD,
    ),
  }));
  return [...leases, ...costedPoolMachines(deps, now)];
}
