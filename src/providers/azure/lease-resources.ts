/**
 * The create-side calls for one lease's own resources: public IP and NIC, the VM of one
 * candidate (and its OS disk's tags), the Windows bootstrap extension, and discarding a
 * failed candidate. Every call carries its deadline; the caller decides what a failure means.
 */
import type { VirtualMachine } from "@azure/arm-compute";
import { sleep } from "../../time/sleep";
import { isNotFound } from "./arm-errors";
import type { AzureContext } from "./context";
import { armId } from "./context";
import { deadlineSignal } from "./deadline";
import type { LeaseResourceNames } from "./names";
import type { SharedInfra } from "./shared-infra";
import { bootstrapExtensionRequest, nicRequest, publicIPRequest } from "./vm-request";

function lro(ctx: AzureContext, ms: number, signal?: AbortSignal) {
  return { abortSignal: deadlineSignal(ms, signal), updateIntervalInMs: ctx.config.pollIntervalMs };
}

export async function createLeaseNetwork(
  ctx: AzureContext,
  names: LeaseResourceNames,
  location: string,
  tags: Record<string, string>,
  infra: SharedInfra,
  signal?: AbortSignal,
): Promise<void> {
  const { clients, config } = ctx;
  const rg = config.resourceGroup;
  await clients.network.publicIPAddresses.createOrUpdate(
    rg,
    names.publicIP,
    publicIPRequest(location, tags),
    lro(ctx, config.timeouts.networkMs, signal),
  );
  await clients.network.networkInterfaces.createOrUpdate(
    rg,
    names.nic,
    nicRequest({
      location,
      tags,
      subnetId: infra.subnetId,
      nsgId: infra.nsgId,
      publicIPId: armId(ctx, "Microsoft.Network", "publicIPAddresses", names.publicIP),
    }),
    lro(ctx, config.timeouts.networkMs, signal),
  );
}

/** The VM PUT, then the crabbox tags on the OS disk Azure made for it. */
export async function createLeaseVm(
  ctx: AzureContext,
  names: LeaseResourceNames,
  request: VirtualMachine,
  signal?: AbortSignal,
): Promise<VirtualMachine> {
  const { clients, config } = ctx;
  const rg = config.resourceGroup;
  const vm = await clients.compute.virtualMachines.createOrUpdate(
    rg,
    names.vm,
    request,
    lro(ctx, config.timeouts.vmCreateMs, signal),
  );
  await clients.compute.disks
    .update(rg, names.osDisk, { tags: request.tags }, lro(ctx, config.timeouts.callMs, signal))
    .catch((error: unknown) => {
      // A disk that is not there has nothing to tag; clean-up finds disks by name anyway.
      if (!isNotFound(error)) throw error;
    });
  return vm;
}

/** The Windows bootstrap: the script extension finishing is what makes the machine usable. */
export async function runBootstrap(
  ctx: AzureContext,
  names: LeaseResourceNames,
  location: string,
  tags: Record<string, string>,
  timestamp: number,
  signal?: AbortSignal,
): Promise<void> {
  await ctx.clients.compute.virtualMachineExtensions.createOrUpdate(
    ctx.config.resourceGroup,
    names.vm,
    names.extension,
    bootstrapExtensionRequest({ location, tags, timestamp }),
    lro(ctx, ctx.config.timeouts.extensionMs, signal),
  );
}

/** Whether a Windows VM already finished its bootstrap. */
export async function bootstrapDone(
  ctx: AzureContext,
  names: LeaseResourceNames,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    const extension = await ctx.clients.compute.virtualMachineExtensions.get(
      ctx.config.resourceGroup,
      names.vm,
      names.extension,
      { abortSignal: deadlineSignal(ctx.config.timeouts.callMs, signal) },
    );
    return extension.provisioningState === "Succeeded";
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** A failed candidate's VM and disk, which must go before the next attempt (see attempts.ts). */
export async function discardCandidateVm(
  ctx: AzureContext,
  names: LeaseResourceNames,
  signal?: AbortSignal,
): Promise<void> {
  const { clients, config } = ctx;
  const rg = config.resourceGroup;
  const ignoreMissing = (error: unknown) => {
    if (!isNotFound(error)) throw error;
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await clients.compute.virtualMachines
        .delete(rg, names.vm, lro(ctx, config.timeouts.vmCreateMs, signal))
        .catch(ignoreMissing);
      await clients.compute.disks
        .delete(rg, names.osDisk, lro(ctx, config.timeouts.networkMs, signal))
        .catch(ignoreMissing);
      return;
    } catch (error) {
      if (attempt >= config.deleteAttempts) throw error;
      await sleep(config.deleteRetryDelayMs, signal);
    }
  }
}
