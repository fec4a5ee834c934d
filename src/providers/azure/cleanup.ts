/**
 * Deleting a lease's resources: VM → NIC → public IP → OS disk, in that order because each
 * holds the next. Every step is attempted in every pass; 404 counts as gone; a step that
 * fails on a dependency lock (the NIC is still reserved by the VM being deleted, the IP is
 * still on the NIC…) makes the whole pass repeat after a pause, a bounded number of times.
 *
 * A resource is deleted only when its `lease` tag names this lease (the OS disk, which
 * Azure creates on the VM's behalf, may also carry no tag). A DELETE answered 202 whose
 * long-running operation succeeds is complete: the resource is never read again after it
 * (reading it would answer 404, which the reference misread as a failure).
 */
import { CrabboxError } from "../../errors";
import { sleep } from "../../time/sleep";
import type { DeleteOutcome } from "../provider";
import { isNotFound, isRetryableDeleteFailure, safeErrorText } from "./arm-errors";
import type { AzureContext } from "./context";
import { deadlineSignal } from "./deadline";
import type { AzureCompanionKind, LeaseResourceNames } from "./names";

type StepKind = "vm" | AzureCompanionKind;
type StepResult = "deleted" | "gone";

interface Step {
  kind: StepKind;
  name: string;
  read: (signal: AbortSignal) => Promise<{ tags?: Record<string, string> }>;
  remove: (signal: AbortSignal) => Promise<void>;
  untaggedAllowed: boolean;
  deleteMs: number;
}

function steps(ctx: AzureContext, names: LeaseResourceNames): Step[] {
  const { clients, config } = ctx;
  const rg = config.resourceGroup;
  const poll = config.pollIntervalMs;
  return [
    {
      kind: "vm",
      name: names.vm,
      read: (abortSignal) => clients.compute.virtualMachines.get(rg, names.vm, { abortSignal }),
      remove: (abortSignal) =>
        clients.compute.virtualMachines.delete(rg, names.vm, { abortSignal, updateIntervalInMs: poll }),
      untaggedAllowed: false,
      deleteMs: config.timeouts.vmCreateMs,
    },
    {
      kind: "nic",
      name: names.nic,
      read: (abortSignal) => clients.network.networkInterfaces.get(rg, names.nic, { abortSignal }),
      remove: (abortSignal) =>
        clients.network.networkInterfaces.delete(rg, names.nic, { abortSignal, updateIntervalInMs: poll }),
      untaggedAllowed: false,
      deleteMs: config.timeouts.networkMs,
    },
    {
      kind: "public_ip",
      name: names.publicIP,
      read: (abortSignal) => clients.network.publicIPAddresses.get(rg, names.publicIP, { abortSignal }),
      remove: (abortSignal) =>
        clients.network.publicIPAddresses.delete(rg, names.publicIP, {
          abortSignal,
          updateIntervalInMs: poll,
        }),
      untaggedAllowed: false,
      deleteMs: config.timeouts.networkMs,
    },
    {
      kind: "os_disk",
      name: names.osDisk,
      read: (abortSignal) => clients.compute.disks.get(rg, names.osDisk, { abortSignal }),
      remove: (abortSignal) =>
        clients.compute.disks.delete(rg, names.osDisk, { abortSignal, updateIntervalInMs: poll }),
      untaggedAllowed: true,
      deleteMs: config.timeouts.networkMs,
    },
  ];
}

async function runStep(
  ctx: AzureContext,
  step: Step,
  leaseID: string,
  signal?: AbortSignal,
): Promise<StepResult> {
  let current: { tags?: Record<string, string> };
  try {
    current = await step.read(deadlineSignal(ctx.config.timeouts.callMs, signal));
  } catch (error) {
    if (isNotFound(error)) return "gone";
    throw error;
  }
  const owner = current.tags?.lease;
  if (owner !== leaseID && !(owner === undefined && step.untaggedAllowed)) {
    throw new CrabboxError(
      "forbidden",
      `azure ${step.kind} ${step.name} is not tagged with lease ${leaseID}; refusing to delete it`,
      { provider: "azure", resource: step.name },
    );
  }
  try {
    await step.remove(deadlineSignal(step.deleteMs, signal));
    return "deleted";
  } catch (error) {
    if (isNotFound(error)) return "gone";
    throw error;
  }
}

/**
 * Deletes the VM of `names` and its companions, or only the `only` kinds (a companion the
 * orphan sweep found without its VM), in at most `passes` passes (the configured budget).
 */
export async function deleteLeaseResources(
  ctx: AzureContext,
  names: LeaseResourceNames,
  leaseID: string,
  signal?: AbortSignal,
  options: { only?: readonly StepKind[]; passes?: number } = {},
): Promise<DeleteOutcome> {
  const { only } = options;
  const passes = options.passes ?? ctx.config.deleteAttempts;
  const secrets = [ctx.config.clientSecret];
  let deletedAny = false;
  let lastErrors: string[] = [];
  for (let attempt = 1; attempt <= passes; attempt++) {
    const failures: unknown[] = [];
    lastErrors = [];
    for (const step of steps(ctx, names).filter((s) => !only || only.includes(s.kind))) {
      try {
        if ((await runStep(ctx, step, leaseID, signal)) === "deleted") deletedAny = true;
      } catch (error) {
        if (error instanceof CrabboxError) throw error;
        failures.push(error);
        lastErrors.push(`delete ${step.kind} ${step.name}: ${safeErrorText(error, secrets)}`);
      }
    }
    if (failures.length === 0) return deletedAny ? "deleted" : "already_gone";
    if (!failures.every(isRetryableDeleteFailure) || signal?.aborted) break;
    if (attempt < passes) await sleep(ctx.config.deleteRetryDelayMs, signal);
  }
  throw new CrabboxError(
    "provider_error",
    `azure clean-up of ${names.vm} incomplete: ${lastErrors.join("; ")}`,
    {
      provider: "azure",
      cloudID: names.vm,
    },
  );
}
