/**
 * The order in which a lease tries VM sizes and markets: every size on spot first (when the
 * lease asks for spot), then every size again at regular priority.
 */
import type { MachineSpec, Market } from "../provider";
import { azureSizeCandidates } from "./classes";

export interface Candidate {
  size: string;
  market: Market;
}

export function candidateLadder(spec: MachineSpec, fallbackToOnDemand: boolean): Candidate[] {
  const sizes = azureSizeCandidates(spec);
  const onDemand = sizes.map((size) => ({ size, market: "on-demand" as const }));
  if (spec.market !== "spot") return onDemand;
  const spot = sizes.map((size) => ({ size, market: "spot" as const }));
  return fallbackToOnDemand ? [...spot, ...onDemand] : spot;
}
