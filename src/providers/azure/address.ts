/** The lease's public address, read from its public IP (which the VM's NIC carries). */
import { CrabboxError } from "../../errors";
import { sleep } from "../../time/sleep";
import type { AzureContext } from "./context";
import { deadlineSignal } from "./deadline";
import type { LeaseResourceNames } from "./names";

export async function publicAddress(
  ctx: AzureContext,
  names: LeaseResourceNames,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const ip = await ctx.clients.network.publicIPAddresses.get(ctx.config.resourceGroup, names.publicIP, {
    abortSignal: deadlineSignal(ctx.config.timeouts.callMs, signal),
  });
  return ip.ipAddress || undefined;
}

export async function waitForAddress(
  ctx: AzureContext,
  names: LeaseResourceNames,
  signal?: AbortSignal,
): Promise<string> {
  const { ipWaitMs } = ctx.config.timeouts;
  const deadline = Date.now() + ipWaitMs;
  for (;;) {
    const address = await publicAddress(ctx, names, signal);
    if (address) return address;
    if (Date.now() + ctx.config.pollIntervalMs > deadline) {
      throw new CrabboxError("timeout", `azure public IP ${names.publicIP} got no address in time`, {
        provider: "azure",
      });
    }
    await sleep(ctx.config.pollIntervalMs, signal);
  }
}
