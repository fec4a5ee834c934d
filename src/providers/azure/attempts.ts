/**
 * The size ladder on fresh names: attempt `n` gets its own VM, NIC and public IP
 * (`namesForAttempt`), because after a failed VM create ARM keeps the NIC reserved for about
 * 180 s (`NicReservedForAnotherVm`), so a retry on the same names fails in a way no size can
 * fix. A failed attempt's VM and disk are deleted before the next attempt; its NIC and IP get
 * one try, and what ARM still holds is left, tagged with the lease, for the lease's delete
 * (`deleteWholeLease`) and the orphan sweep (docs/providers-azure.md, "Fresh names per attempt").
 */
import type { VirtualMachine } from "@azure/arm-compute";
import { CrabboxError } from "../../errors";
import type { MachineSpec, ProvisionAttempt, ProvisionedMachine } from "../provider";
import { createFailureCategory, isNotFound, safeErrorText } from "./arm-errors";
import { deleteLeaseResources } from "./cleanup";
import type { AzureContext } from "./context";
import { deadlineSignal } from "./deadline";
import { listCrabboxCompanions } from "./inventory";
import { type Candidate, candidateLadder } from "./ladder";
import { createLeaseNetwork, discardCandidateVm } from "./lease-resources";
import { baseVmName, type LeaseResourceNames, namesForAttempt, namesForVm } from "./names";
import type { SharedInfra } from "./shared-infra";

export interface LadderInput {
  ctx: AzureContext;
  spec: MachineSpec;
  base: LeaseResourceNames;
  location: string;
  infra: SharedInfra;
  networkTags: Record<string, string>;
  attempts: ProvisionAttempt[];
  signal?: AbortSignal;
  createCandidate: (names: LeaseResourceNames, candidate: Candidate) => Promise<ProvisionedMachine>;
}

export async function climbLadder(input: LadderInput): Promise<ProvisionedMachine> {
  const { ctx, spec, base, location, attempts, signal } = input;
  const ladder = candidateLadder(spec, ctx.config.fallbackToOnDemand);
  for (const [index, candidate] of ladder.entries()) {
    const names = namesForAttempt(base, index);
    await createLeaseNetwork(ctx, names, location, input.networkTags, input.infra, signal);
    try {
      return await input.createCandidate(names, candidate);
    } catch (error) {
      const category = createFailureCategory(error, candidate.market);
      if (!category || signal?.aborted) throw error;
      attempts.push({
        region: location,
        serverType: candidate.size,
        market: candidate.market,
        category,
        message: safeErrorText(error, [ctx.config.clientSecret]),
      });
      await discardAttempt(ctx, names, spec.leaseID, signal);
    }
  }
  throw new CrabboxError("capacity_unavailable", `azure has no capacity for ${spec.class} in ${location}`, {
    provider: "azure",
    attempts,
  });
}

async function discardAttempt(
  ctx: AzureContext,
  names: LeaseResourceNames,
  leaseID: string,
  signal?: AbortSignal,
): Promise<void> {
  await discardCandidateVm(ctx, names, signal);
  // One pass: a NIC ARM still reserves for the failed VM stays until the lease's delete.
  await deleteLeaseResources(ctx, names, leaseID, signal, { only: ["nic", "public_ip"], passes: 1 }).catch(
    () => undefined,
  );
}

/**
 * The lease's finished VM from an earlier create (any attempt's names), for adoption; a VM
 * on the lease's base name that another lease owns is a slug conflict.
 */
export async function leaseVm(
  ctx: AzureContext,
  base: string,
  leaseID: string,
  signal?: AbortSignal,
): Promise<{ name: string; vm: VirtualMachine } | undefined> {
  const { clients, config } = ctx;
  let first: VirtualMachine | undefined;
  try {
    first = await clients.compute.virtualMachines.get(config.resourceGroup, base, {
      abortSignal: deadlineSignal(config.timeouts.callMs, signal),
    });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (first && first.tags?.lease !== leaseID) {
    throw new CrabboxError("slug_conflict", `azure VM ${base} exists and belongs to another lease`, {
      provider: "azure",
    });
  }
  if (first?.provisioningState === "Succeeded") return { name: base, vm: first };
  const pages = clients.compute.virtualMachines.list(config.resourceGroup, {
    abortSignal: deadlineSignal(config.timeouts.networkMs, signal),
  });
  try {
    for await (const vm of pages) {
      const mine = vm.name && vm.name !== base && baseVmName(vm.name) === base && vm.tags?.lease === leaseID;
      if (mine && vm.provisioningState === "Succeeded") return { name: vm.name!, vm };
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return undefined;
}

/** The VM names of every attempt of this lease that left something behind (VM or companion). */
export async function attemptVmsOfLease(ctx: AzureContext, base: string, leaseID: string): Promise<string[]> {
  const found = new Set<string>();
  const vms = ctx.clients.compute.virtualMachines.list(ctx.config.resourceGroup, {
    abortSignal: deadlineSignal(ctx.config.timeouts.networkMs),
  });
  try {
    for await (const vm of vms) {
      if (vm.name && vm.tags?.lease === leaseID && baseVmName(vm.name) === base) found.add(vm.name);
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  for (const companion of await listCrabboxCompanions(ctx)) {
    const owner = companion.ownerCloudID ?? "";
    const mine = companion.labels.lease === leaseID || companion.labels.lease === undefined;
    if (mine && baseVmName(owner) === base) found.add(owner);
  }
  return [...found];
}

/**
 * Deletes the lease's machine `vm` and everything any other attempt of the lease left: the
 * leftovers are found by listing (their names derive from the lease's base name, their tags
 * name the lease), so a NIC ARM held during the ladder is removed here once it is free.
 */
export async function deleteWholeLease(
  ctx: AzureContext,
  vm: string,
  leaseID: string,
  signal?: AbortSignal,
): Promise<"deleted" | "already_gone"> {
  let outcome = await deleteLeaseResources(ctx, namesForVm(vm), leaseID, signal);
  for (const other of await attemptVmsOfLease(ctx, baseVmName(vm), leaseID)) {
    if (other === vm) continue;
    if ((await deleteLeaseResources(ctx, namesForVm(other), leaseID, signal)) === "deleted")
      outcome = "deleted";
  }
  return outcome;
}
