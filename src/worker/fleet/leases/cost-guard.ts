import { costExposure, costLimitsFromEnv, enforceCostLimits as enforce } from "../../../domain/cost";
import type { Identity } from "../../context";
import type { FleetDeps } from "../deps";
import { costedMachines } from "./costed-machines";

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
  enforce(limits, costExposure(costedMachines(deps, now), identity, now), candidateUSD);
}
