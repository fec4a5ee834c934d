/** What the AWS provider is configured with (docs/providers.md#aws-ec2), and the check on region names. */
import { CrabboxError } from "../../errors";
import type { PoolAgentClient } from "../pool-agent/client";
import type { RetryPolicy } from "../retrying-fetch";

export interface AwsProviderOptions {
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Preferred region; `eu-west-1` by default. */
  region?: string;
  /** Regions tried after the preferred one when it has no capacity or quota. */
  fallbackRegions?: string[];
  /** Endpoint per region; the public `https://ec2.<region>.amazonaws.com` unless set (tests use a fake). */
  endpoint?: (region: string) => string;
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  rootGB?: number;
  /** An operator-managed group used as is (its ingress is the operator's job). */
  securityGroupID?: string;
  subnetID?: string;
  instanceProfile?: string;
  /** Fixed AMIs; otherwise the newest Ubuntu 24.04 / Windows Server 2022 image is looked up. */
  amis?: { linux?: string; windows?: string };
  ipWaitMs?: number;
  pollMs?: number;
  /** How long delete waits for instances to terminate before removing the lease's group. */
  terminateWaitMs?: number;
  /** DeleteSecurityGroup retries on DependencyViolation: 6 tries from 5 s, doubling (155 s). */
  groupRetry?: { attempts?: number; firstDelayMs?: number };
  /** Ready pools: reaches pool machines' agents (docs/providers.md#ready-pools). */
  poolAgent?: PoolAgentClient;
}

const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function assertRegion(region: string, field: string): string {
  if (!regionPattern.test(region)) {
    throw new CrabboxError("invalid_request", `${region} is not an AWS region name`, { field });
  }
  return region;
}
