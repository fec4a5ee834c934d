import { leaseDecider, leaseStream } from "../../../events/lease-decider";
import type { EventMeta } from "../../../events/types";
import { getLease } from "../../../projections/leases-queries";
import type { PoolRef } from "../../../projections/pool-queries";
import type { Provider } from "../../../providers/provider";
import { testModeOn } from "../../../test-seams";
import { withDeadline } from "../deadline";
import { reservation } from "../leases/prices";
import type { NormalizedLeaseRequest } from "../leases/request";
import type { UseCaseDeps } from "../use-case-deps";
import { type Claimed, claimAnother } from "./claim";
import { executePoolCommand } from "./pool-create";

/**
 * After a claim (docs/event-log.md#ready-pools): hands the machine to the lease's key, then
 * records `MachineClaimedFromPool`. A machine that cannot be handed over is broken: it is
 * expired (`handover_failed`) and deleted by the alarm, never given to the lease, and the lease
 * takes the next ready machine, or a fresh create when there is none or the create's deadline
 * (`CRABBOX_PROVIDER_CREATE_TIMEOUT_MS`) has passed. The caller sees one create either way.
 */
export interface TakeInput {
  provider: Provider;
  request: NormalizedLeaseRequest;
  leaseID: string;
  pool: PoolRef;
  meta: EventMeta;
}

/** A crash point for workerd tests (honoured only when CRABBOX_TEST_MODE=1): after the claim commits. */
export const poolTestFaults: { afterClaim?: (leaseID: string) => void } = {};

export async function takeClaimed(deps: UseCaseDeps, input: TakeInput, first: Claimed): Promise<void> {
  if (testModeOn(deps.env)) poolTestFaults.afterClaim?.(input.leaseID);
  const deadline = deps.now() + deps.settings.providerCreateTimeoutMs;
  let claimed: Claimed | undefined = first;
  while (claimed) {
    if (await handOver(deps, input, claimed)) return;
    claimed = deps.now() < deadline ? claimAnother(deps, input.pool, input.leaseID, input.meta) : undefined;
  }
  const lease = getLease(deps.sql, input.leaseID);
  if (lease?.state !== "provisioning" || lease.cloudID !== undefined) return;
  await deps.provisioner.start(lease, input.request, input.provider, input.meta);
}

/** True when the claim is settled (the lease has the machine, or ended and deletes it). */
async function handOver(deps: UseCaseDeps, input: TakeInput, claimed: Claimed): Promise<boolean> {
  const { provider, leaseID } = input;
  const target = {
    cloudID: claimed.cloudID,
    leaseID: claimed.poolMachineID,
    ...(claimed.region ? { region: claimed.region } : {}),
    // The pool agent listens on the machine's public address (docs/providers.md#ready-pools).
    ...(claimed.machine.host ? { host: claimed.machine.host } : {}),
  };
  const requestId = input.meta.requestId ?? `pool-handover-${leaseID}`;
  try {
    await withDeadline(`provider ${provider.name} authorizeKey`, deps.settings.providerCallTimeoutMs, () =>
      (provider.authorizeKey as NonNullable<Provider["authorizeKey"]>)(target, input.request.sshPublicKey),
    );
  } catch (error) {
    console.warn(
      `fleet pool: handing ${claimed.poolMachineID} to ${leaseID} failed (${(error as Error).message}); replacing it`,
    );
    executePoolCommand(
      deps,
      claimed.poolMachineID,
      { type: "ExpirePoolMachine", reason: "handover_failed" },
      requestId,
    );
    await deps.scheduler.schedule(); // the alarm deletes it and refills the pool
    return false;
  }
  try {
    const result = deps.store.execute({
      stream: leaseStream(leaseID),
      decider: leaseDecider,
      command: {
        type: "ClaimFromPool",
        machine: {
          ...claimed.machine,
          maxEstimatedUSD: reservation(input.request.ttlSeconds, claimed.machine.estimatedHourlyUSD),
          poolMachineID: claimed.poolMachineID,
        },
      },
      now: deps.now(),
      meta: input.meta,
    });
    // Released during the hand-over: the lease recorded the machine and asked for its delete.
    if (result.state.machineState === "delete_requested")
      await deps.cleanup.deleteMachine(leaseID, requestId);
  } catch (error) {
    // The lease took another machine meanwhile: this one was never its, so it goes.
    console.warn(`fleet pool: ${leaseID} cannot take ${claimed.poolMachineID}: ${(error as Error).message}`);
    executePoolCommand(
      deps,
      claimed.poolMachineID,
      { type: "ExpirePoolMachine", reason: "claim_abandoned" },
      requestId,
    );
    await deps.scheduler.schedule();
  }
  return true;
}
