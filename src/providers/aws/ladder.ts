/**
 * The launch ladder of one region. Spot over the candidate types first, then on-demand only
 * for the types whose spot launch was refused for capacity, market or spot-quota reasons.
 * A vCPU quota refusal skips every type at least as big in that market (don't hammer a
 * limit); an instance-count quota skips the market in this region. A fatal refusal stops.
 * The launch itself is passed in, so the ladder's decisions stay apart from the SDK.
 */
import type { Instance } from "@aws-sdk/client-ec2";
import type { Market, ProvisionAttempt } from "../provider";
import { attemptCategory, classifyEc2Failure, type Ec2Refusal, errorCodeOf, estimatedVcpus } from "./errors";

export interface LadderInput {
  region: string;
  types: string[];
  market: Market;
  /** Launches one (type, market); throws the EC2 error on refusal. */
  launch: (serverType: string, market: Market) => Promise<Instance>;
  /** After a timeout: the lease's instance if the launch landed after all. */
  landed: () => Promise<Instance | undefined>;
  /** Every attempt is appended here. */
  attempts: ProvisionAttempt[];
}

interface LadderState {
  vcpuCeiling: Map<Market, number>;
  blockedMarkets: Set<Market>;
  onDemandEligible: Set<string>;
}

export async function climbLadder(
  input: LadderInput,
): Promise<{ instance: Instance; market: Market } | undefined> {
  const { region, types, attempts } = input;
  const state: LadderState = {
    vcpuCeiling: new Map(),
    blockedMarkets: new Set(),
    onDemandEligible: new Set(input.market === "on-demand" ? types : []),
  };
  const passes: Market[] = input.market === "spot" ? ["spot", "on-demand"] : ["on-demand"];
  for (const market of passes) {
    for (const serverType of types) {
      if (market === "on-demand" && !state.onDemandEligible.has(serverType)) continue;
      const vcpus = estimatedVcpus(serverType);
      const ceiling = state.vcpuCeiling.get(market);
      if (
        state.blockedMarkets.has(market) ||
        (ceiling !== undefined && vcpus !== undefined && vcpus >= ceiling)
      ) {
        attempts.push({
          region,
          serverType,
          market,
          category: "quota",
          message: `skipped: ${market} quota already refused in ${region}`,
        });
        if (market === "spot") state.onDemandEligible.add(serverType);
        continue;
      }
      try {
        return { instance: await input.launch(serverType, market), market };
      } catch (error) {
        const refusal = classifyEc2Failure(error);
        if (refusal.kind === "fatal") throw error;
        attempts.push({
          region,
          serverType,
          market,
          category: attemptCategory(refusal),
          message: messageOf(error),
        });
        if (refusal.kind === "timeout") {
          const landed = await input.landed();
          if (landed) return { instance: landed, market };
        }
        noteRefusal(state, refusal, market, serverType, vcpus);
      }
    }
  }
  return undefined;
}

function noteRefusal(
  state: LadderState,
  refusal: Ec2Refusal,
  market: Market,
  serverType: string,
  vcpus: number | undefined,
): void {
  switch (refusal.kind) {
    case "capacity":
    case "spot_market":
    case "timeout":
      if (market === "spot") state.onDemandEligible.add(serverType);
      return;
    case "vcpu_quota":
      if (vcpus !== undefined)
        state.vcpuCeiling.set(market, Math.min(state.vcpuCeiling.get(market) ?? Infinity, vcpus));
      if (market === "spot") state.onDemandEligible.add(serverType);
      return;
    case "market_quota":
      state.blockedMarkets.add(market);
      if (market === "spot") state.onDemandEligible.add(serverType);
      return;
    case "policy":
    case "fatal":
      return;
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return `${errorCodeOf(error)}: ${error.message}`;
  return String(error);
}
