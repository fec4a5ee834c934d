/**
 * Waits for a launched EC2 instance to get its public IPv4 (docs/providers.md#aws-ec2): polls
 * DescribeInstances until the address shows, the instance ends while starting (a capacity
 * failure the ladder may retry elsewhere), or the wait runs out.
 */
import type { EC2Client, Instance } from "@aws-sdk/client-ec2";
import { CrabboxError } from "../../errors";
import { describeInstances } from "./instances";

export interface IPWait {
  waitMs: number;
  pollMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export async function waitForPublicIP(
  client: EC2Client,
  launched: Instance,
  wait: IPWait,
  signal?: AbortSignal,
): Promise<Instance> {
  let instance = launched;
  const deadline = Date.now() + wait.waitMs;
  while (!instance.PublicIpAddress) {
    if (Date.now() >= deadline) {
      throw new CrabboxError(
        "timeout",
        `EC2 instance ${launched.InstanceId} got no public IPv4 within ${wait.waitMs} ms`,
      );
    }
    await wait.sleep(wait.pollMs, signal);
    const ids = [launched.InstanceId ?? ""];
    instance = (await describeInstances(client, { ids }, signal))[0] ?? instance;
    const state = instance.State?.Name;
    if (state === "terminated" || state === "shutting-down") {
      throw new CrabboxError(
        "capacity_unavailable",
        `EC2 instance ${launched.InstanceId} ended while starting (${state})`,
      );
    }
  }
  return instance;
}
