/**
 * How an EC2 refusal steers the launch ladder. Capacity and spot-market refusals move to
 * the next type and make the type eligible for on-demand; quota refusals skip what would
 * fail the same way (don't hammer a vCPU limit with bigger types); policy refusals move to
 * the next type only; anything else stops the create.
 */
import type { ProvisionAttempt } from "../provider";

export type Ec2Refusal =
  | { kind: "capacity"; code: string }
  | { kind: "spot_market"; code: string }
  | { kind: "vcpu_quota"; code: string }
  | { kind: "market_quota"; code: string }
  | { kind: "policy"; code: string }
  | { kind: "timeout"; code: string }
  | { kind: "fatal"; code: string };

export function errorCodeOf(error: unknown): string {
  const e = error as { name?: unknown; Code?: unknown; code?: unknown } | null;
  if (e && typeof e.code === "string" && e.code === "timeout") return "timeout";
  if (e && typeof e.Code === "string") return e.Code;
  if (e && typeof e.name === "string") return e.name;
  return "Unknown";
}

export function classifyEc2Failure(error: unknown): Ec2Refusal {
  const code = errorCodeOf(error);
  const message = error instanceof Error ? error.message : "";
  switch (code) {
    case "InsufficientInstanceCapacity":
    case "InsufficientCapacity":
    case "UnfulfillableCapacity":
      return { kind: "capacity", code };
    case "SpotMaxPriceTooLow":
      return { kind: "spot_market", code };
    case "VcpuLimitExceeded":
      return { kind: "vcpu_quota", code };
    case "MaxSpotInstanceCountExceeded":
    case "InstanceLimitExceeded":
      return { kind: "market_quota", code };
    case "Unsupported":
      return { kind: "policy", code };
    case "InvalidParameterCombination":
      return /free tier|eligible|instance ?type/i.test(message)
        ? { kind: "policy", code }
        : { kind: "fatal", code };
    case "timeout":
      return { kind: "timeout", code };
    default:
      return { kind: "fatal", code };
  }
}

export function attemptCategory(refusal: Ec2Refusal): ProvisionAttempt["category"] {
  switch (refusal.kind) {
    case "capacity":
      return "capacity";
    case "spot_market":
      return "spot_refused";
    case "vcpu_quota":
    case "market_quota":
      return "quota";
    case "policy":
    case "fatal":
      return "provider";
    case "timeout":
      return "timeout";
  }
}

/** `c7a.48xlarge` → 192; `t3.small` → 2; `mac2.metal` → undefined (unknown). */
export function estimatedVcpus(instanceType: string): number | undefined {
  const size = instanceType.split(".")[1] ?? "";
  const multiple = /^(\d+)xlarge$/.exec(size);
  if (multiple) return Number(multiple[1]) * 4;
  if (size === "xlarge") return 4;
  if (["nano", "micro", "small", "medium", "large"].includes(size)) return 2;
  return undefined;
}
