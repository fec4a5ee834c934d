/** The crabbox VMs in the resource group, as the orphan sweep and reconciliation see them. */
import type { ProviderMachine } from "../provider";
import { publicAddress } from "./address";
import { isNotFound } from "./arm-errors";
import type { AzureContext } from "./context";
import { deadlineSignal } from "./deadline";
import { fromAzureTags, namesForVm } from "./names";

export async function listCrabboxVms(ctx: AzureContext): Promise<ProviderMachine[]> {
  const machines: ProviderMachine[] = [];
  try {
    const pages = ctx.clients.compute.virtualMachines.list(ctx.config.resourceGroup, {
      abortSignal: deadlineSignal(ctx.config.timeouts.networkMs),
    });
    for await (const vm of pages) {
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
  } catch (error) {
    // No resource group yet means no machines yet.
    if (isNotFound(error)) return [];
    throw error;
  }
  await Promise.all(
    machines.map(async (machine) => {
      machine.host = await publicAddress(ctx, namesForVm(machine.cloudID)).catch(() => undefined);
    }),
  );
  return machines;
}
