/**
 * Builds the AWS provider from the coordinator's (or the CLI's) environment. Bad values
 * fail with a `config` error naming the variable; secrets are never echoed.
 */
import { CrabboxError } from "../../errors";
import type { PoolAgentClient } from "../pool-agent/client";
import { AwsProvider } from "./index";
import type { AwsProviderOptions } from "./options";

const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function awsProviderFromEnv(env: Record<string, unknown>, poolAgent?: PoolAgentClient): AwsProvider {
  const accessKeyId = text(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = text(env.AWS_SECRET_ACCESS_KEY);
  if (!accessKeyId || !secretAccessKey) {
    throw new CrabboxError(
      "config",
      "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to use the AWS provider",
      {
        field: accessKeyId ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID",
      },
    );
  }
  const sessionToken = text(env.AWS_SESSION_TOKEN);
  const region = text(env.CRABBOX_AWS_REGION) ?? text(env.AWS_REGION) ?? "eu-west-1";
  checkRegion(region, "CRABBOX_AWS_REGION");
  const fallbackRegions = (text(env.CRABBOX_CAPACITY_REGIONS) ?? "")
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of fallbackRegions) checkRegion(r, "CRABBOX_CAPACITY_REGIONS");
  const options: AwsProviderOptions = {
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    region,
    fallbackRegions,
  };
  const rootGB = text(env.CRABBOX_AWS_ROOT_GB);
  if (rootGB !== undefined) {
    const size = Number(rootGB);
    if (!Number.isInteger(size) || size < 8 || size > 16_384) {
      throw new CrabboxError("config", "CRABBOX_AWS_ROOT_GB must be an integer from 8 to 16384", {
        field: "CRABBOX_AWS_ROOT_GB",
      });
    }
    options.rootGB = size;
  }
  const group = text(env.CRABBOX_AWS_SECURITY_GROUP_ID);
  if (group) options.securityGroupID = matching(group, /^sg-[0-9a-f]+$/, "CRABBOX_AWS_SECURITY_GROUP_ID");
  const subnet = text(env.CRABBOX_AWS_SUBNET_ID);
  if (subnet) options.subnetID = matching(subnet, /^subnet-[0-9a-f]+$/, "CRABBOX_AWS_SUBNET_ID");
  const profile = text(env.CRABBOX_AWS_INSTANCE_PROFILE);
  if (profile) options.instanceProfile = profile;
  const ami = text(env.CRABBOX_AWS_AMI);
  if (ami) options.amis = { linux: matching(ami, /^ami-[0-9a-f]+$/, "CRABBOX_AWS_AMI") };
  // For fakes and private endpoints: `{region}` is replaced by the region.
  const endpoint = text(env.CRABBOX_AWS_ENDPOINT);
  if (endpoint) {
    matching(endpoint, /^https?:\/\/[^\s]+$/, "CRABBOX_AWS_ENDPOINT");
    options.endpoint = (r) => endpoint.replaceAll("{region}", r);
  }
  if (poolAgent) options.poolAgent = poolAgent;
  return new AwsProvider(options);
}

function checkRegion(region: string, field: string): void {
  if (!regionPattern.test(region))
    throw new CrabboxError("config", `${field}: ${region} is not an AWS region`, { field });
}

function matching(value: string, pattern: RegExp, field: string): string {
  if (!pattern.test(value)) throw new CrabboxError("config", `${field} is malformed`, { field });
  return value;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}
