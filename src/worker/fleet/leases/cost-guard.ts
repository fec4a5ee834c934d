import {
  type CostedLease,
  costExposure,
  costLimitsFromEnv,
  enforceCostLimits as enforce,
  monthStart,
  runtimeEstimateUSD,
} from "../../../domain/cost";
import { isLeaseLive } from "../../../events/lease-state";
import { costRelevantLeases } from "../../../projections/leases-queries";
import type { Identity } from "../../context";
import type { FleetDeps } from "../deps";

/** Refuses a create whose reservation would break a configured monthly spending limit. */
export function enforceCostLimits(
  deps: FleetDeps,
  identity: Identity,
  candidateUSD: number,
  now: number,
): void {
  const limits = costLimitsFromEnv(deps.env);
  const anyLimit = Object.values(limits).some((v) => v > 0);
  if (!anyLimit) return;
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
  enforce(limits, costExposure(leases, identity, now), candidateUSD);
}
