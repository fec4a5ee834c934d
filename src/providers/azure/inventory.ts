/**
 * The crabbox resources in the resource group, as the orphan sweep, reconciliation and
 * clean-up see them: VMs, and the NICs, public IPs and OS disks whose VM is gone. Every list
 * pages through `nextLink` (the SDK's iterators follow it).
 */
import type { ProviderMachine } from "../provider";
import { publicAddress } from "./address";
import { isNotFound } from "./arm-errors";
import type { AzureContext } from "./context";
import { deadlineSignal } from "./deadline";
import { type AzureCompanionKind, companionCloudID, fromAzureTags, namesForVm, ownerVmOf } from "./names";

interface Listed {
  name?: string;
  location?: string;
  tags?: Record<string, string>;
  provisioningState?: string;
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  try {
    for await (const item of pages) all.push(item);
  } catch (error) {
    // No resource group yet means nothing in it yet.
    if (isNotFound(error)) return [];
    throw error;
  }
  return all;
}

export async function listCrabboxVms(ctx: AzureContext): Promise<ProviderMachine[]> {
  const vms = await collect(
    ctx.clients.compute.virtualMachines.list(ctx.config.resourceGroup, {
      abortSignal: deadlineSignal(ctx.config.timeouts.networkMs),
    }),
  );
  const machines: ProviderMachine[] = [];
  for (const vm of vms) {
    const labels = fromAzureTags(vm.tags);
    if (labels.crabbox !== "true" || !vm.name) continue;
    machines.push({
      provider: "azure",
      cloudID: vm.name,
      name: vm.name,
      status: vm.provisioningState ?? "unknown",
      serverType: vm.hardwareProfile?.vmSize ?? "",
      region: vm.location,
      labels,
    });
  }
  await Promise.all(
    machines.map(async (machine) => {
      machine.host = await publicAddress(ctx, namesForVm(machine.cloudID)).catch(() => undefined);
    }),
  );
  return machines;
}

/**
 * Every crabbox NIC, public IP and OS disk in the resource group, each with the VM its name
 * derives from. Tagged `crabbox=true`, or (an OS disk, which Azure makes on the VM's behalf
 * and which a crash can leave before crabbox tagged it) untagged with a crabbox disk name.
 */
export async function listCrabboxCompanions(ctx: AzureContext): Promise<ProviderMachine[]> {
  const { clients, config } = ctx;
  const rg = config.resourceGroup;
  const options = () => ({ abortSignal: deadlineSignal(config.timeouts.networkMs) });
  const [nics, ips, disks] = await Promise.all([
    collect(clients.network.networkInterfaces.list(rg, options())),
    collect(clients.network.publicIPAddresses.list(rg, options())),
    collect(clients.compute.disks.listByResourceGroup(rg, options())),
  ]);
  const read = (kind: AzureCompanionKind, items: Listed[]): ProviderMachine[] =>
    items.flatMap((item) => {
      const labels = fromAzureTags(item.tags);
      const untaggedDisk = kind === "os_disk" && item.tags === undefined;
      if (!item.name || (labels.crabbox !== "true" && !untaggedDisk)) return [];
      const owner = ownerVmOf(kind, item.name);
      if (!owner) return [];
      return [
        {
          provider: "azure" as const,
          kind,
          cloudID: companionCloudID(kind, item.name),
          ownerCloudID: owner,
          name: item.name,
          status: item.provisioningState ?? "unknown",
          serverType: "",
          ...(item.location ? { region: item.location } : {}),
          labels,
        },
      ];
    });
  return [...read("nic", nics), ...read("public_ip", ips), ...read("os_disk", disks)];
}

/** VMs plus the companions whose VM is not there: the whole crabbox inventory. */
export async function listCrabboxResources(ctx: AzureContext): Promise<ProviderMachine[]> {
  const [vms, companions] = await Promise.all([listCrabboxVms(ctx), listCrabboxCompanions(ctx)]);
  const present = new Set(vms.map((vm) => vm.cloudID));
  return [...vms, ...companions.filter((c) => !present.has(c.ownerCloudID ?? ""))];
}
