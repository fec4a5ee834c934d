/** Reading instances: by lease tag, by id, the crabbox inventory, and waiting for termination. */
import { DescribeInstancesCommand, type EC2Client, type Filter, type Instance } from "@aws-sdk/client-ec2";
import { CrabboxError } from "../../errors";
import type { ProviderMachine } from "../provider";
import type { RetryPolicy } from "../retrying-fetch";
import { errorCodeOf } from "./errors";

export const liveStates = ["pending", "running", "stopping", "stopped"];

export async function describeInstances(
  client: EC2Client,
  query: { filters?: Filter[]; ids?: string[] },
  signal?: AbortSignal,
): Promise<Instance[]> {
  const instances: Instance[] = [];
  let token: string | undefined;
  do {
    try {
      const page = await client.send(
        new DescribeInstancesCommand({
          ...(query.filters ? { Filters: query.filters, MaxResults: 100 } : {}),
          ...(query.ids ? { InstanceIds: query.ids } : {}),
          ...(token ? { NextToken: token } : {}),
        }),
        { abortSignal: signal },
      );
      for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
      token = page.NextToken;
    } catch (error) {
      // A just-launched instance can be briefly unknown to Describe (eventual consistency).
      if (query.ids && errorCodeOf(error) === "InvalidInstanceID.NotFound") return [];
      throw error;
    }
  } while (token);
  return instances;
}

export function instancesOfLease(
  client: EC2Client,
  leaseID: string,
  signal?: AbortSignal,
): Promise<Instance[]> {
  return describeInstances(
    client,
    {
      filters: [
        { Name: "tag:lease", Values: [leaseID] },
        { Name: "tag:crabbox", Values: ["true"] },
        { Name: "instance-state-name", Values: liveStates },
      ],
    },
    signal,
  );
}

export function crabboxInstances(client: EC2Client): Promise<Instance[]> {
  return describeInstances(client, {
    filters: [
      { Name: "tag:crabbox", Values: ["true"] },
      { Name: "instance-state-name", Values: liveStates },
    ],
  });
}

/** A security group can be deleted only once no interface of these instances holds it. */
export async function waitTerminated(
  client: EC2Client,
  ids: string[],
  timing: { waitMs: number; pollMs: number; sleep: RetryPolicy["sleep"] },
): Promise<void> {
  if (ids.length === 0) return;
  const deadline = Date.now() + timing.waitMs;
  for (;;) {
    const states = await describeInstances(client, { ids });
    if (states.every((i) => i.State?.Name === "terminated")) return;
    if (Date.now() >= deadline) {
      throw new CrabboxError(
        "timeout",
        `instances ${ids.join(", ")} did not terminate within ${timing.waitMs} ms`,
      );
    }
    await timing.sleep(timing.pollMs);
  }
}

export function toMachine(instance: Instance, region: string): ProviderMachine {
  const labels = Object.fromEntries((instance.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
  return {
    provider: "aws",
    cloudID: instance.InstanceId ?? "",
    name: labels.Name ?? instance.InstanceId ?? "",
    status: instance.State?.Name ?? "unknown",
    serverType: instance.InstanceType ?? "",
    host: instance.PublicIpAddress,
    region,
    labels,
  };
}
