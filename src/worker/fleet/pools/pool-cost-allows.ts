import { costExposure, costLimitsFromEnv, enforceCostLimits } from "../../../domain/cost";
import type { FleetDeps } from "../deps";
import { costedMachines } from "../leases/costed-machines";
import { poolOwner } from "./pool-spec";

/**
 * Whether one more pool machine fits the fleet-wide caps (the pool's own owner has none).
 * Its price is not known before the create: the live-machine cap counts it, the monthly cap
 * counts it from its first `PoolMachineReady` on.
 */
export function costAllowsPoolMachine(deps: FleetDeps, now: number): boolean {
  const limits = costLimitsFromEnv(deps.env);
  if (!Object.values(limits).some((v) => v > 0)) return true;
  const fleetOnly = {
    ...limits,
    maxActiveLeasesPerOwner: 0,
    maxActiveLeasesPerOrg: 0,
    maxMonthlyUSDPerOwner: 0,
    maxMonthlyUSDPerOrg: 0,
  };
  try {
    enforceCostLimits(
      fleetOnly,
      costExposure(costedMachines(deps, now), { owner: poolOwner, org: poolOwner }, now),
      0,
    );
    return true;
  } catch {
    return false;
  }
}
