import { CrabboxError } from "../../../errors";
import { leaseDecider, leaseStream } from "../../../events/lease-decider";
import type { LeaseRequestedData } from "../../../events/payloads/lease";
import { poolDecider, poolStream } from "../../../events/pool-decider";
import type { EventMeta } from "../../../events/types";
import { type PoolRef, poolMachinesIn } from "../../../projections/pool-queries";
import type { Provider } from "../../../providers/provider";
import { withDeadline } from "../deadline";
import { systemMeta } from "../deps";
import { reservation } from "../leases/prices";
import type { NormalizedLeaseRequest } from "../leases/request";
import type { UseCaseDeps } from "../use-case-deps";
import { poolMachineShape } from "./pool-spec";

/**
 * Claim in one event (docs/event-log.md#ready-pools): `POST /v1/leases` takes the oldest ready
 * machine of the request's provider/class/region when the request asks for exactly what pool
 * machines are, records it in one transaction — `LeaseRequested`, the pool stream's
 * `PoolMachineClaimed` and the lease's `MachineClaimedFromPool` — and then hands the machine
 * to the lease's key. Nothing awaits between choosing the machine and the append, so two
 * creates can never take the same one: the second finds none and creates afresh.
 */

/** The pool a request may claim from, or undefined when it asks for anything pool machines are not. */
export function claimablePool(request: NormalizedLeaseRequest, provider: Provider): PoolRef | undefined {
  if (!provider.authorizeKey) return undefined;
  if (request.target !== poolMachineShape.target || request.desktop || request.browser || request.code)
    return undefined;
  if (request.serverTypeExplicit || request.image || request.sshCIDRs?.length) return undefined;
  if (request.market !== poolMachineShape.market || request.workRoot !== poolMachineShape.workRoot)
    return undefined;
  if (request.sshUser !== poolMachineShape.sshUser || request.sshPort !== poolMachineShape.sshPort)
    return undefined;
  const fallback = poolMachineShape.sshFallbackPorts;
  if (request.sshFallbackPorts.join(",") !== fallback.join(",")) return undefined;
  return { provider: request.provider, class: request.class, region: request.region ?? "" };
}

export interface ClaimInput {
  pool: PoolRef;
  requested: LeaseRequestedData;
  ttlSeconds: number;
  meta: EventMeta;
  dedupeKey: string;
  fingerprint: string;
}

export interface Claimed {
  poolMachineID: string;
  cloudID: string;
  region?: string;
}

/** The claim's three appends, in one transaction; undefined when the pool has no ready machine. */
export function claimReadyMachine(deps: UseCaseDeps, input: ClaimInput): Claimed | undefined {
  return deps.storage.transactionSync(() => {
    const [ready] = poolMachinesIn(deps.sql, input.pool, ["ready"]);
    if (!ready?.machine || !ready.cloudID) return undefined;
    const leaseID = input.requested.leaseID;
    const now = deps.now();
    deps.store.execute({
      stream: leaseStream(leaseID),
      decider: leaseDecider,
      command: { type: "RequestLease", lease: input.requested },
      now,
      meta: input.meta,
      dedupeKey: input.dedupeKey,
      fingerprint: input.fingerprint,
    });
    deps.store.execute({
      stream: poolStream(ready.id),
      decider: poolDecider,
      command: { type: "ClaimPoolMachine", leaseID },
      now,
      meta: input.meta,
    });
    const hourly = ready.machine.estimatedHourlyUSD;
    deps.store.execute({
      stream: leaseStream(leaseID),
      decider: leaseDecider,
      command: {
        type: "ClaimFromPool",
        machine: {
          ...ready.machine,
          maxEstimatedUSD: reservation(input.ttlSeconds, hourly),
          poolMachineID: ready.id,
        },
      },
      now,
      meta: input.meta,
    });
    return {
      poolMachineID: ready.id,
      cloudID: ready.cloudID,
      ...(ready.machine.region ? { region: ready.machine.region } : {}),
    };
  });
}

/**
 * Makes the lease's key the only one that opens the claimed machine. When the provider
 * refuses, the lease is released and its machine deleted (it is never returned to the pool),
 * and the caller gets `provider_error`.
 */
export async function handOver(
  deps: UseCaseDeps,
  provider: Provider,
  leaseID: string,
  claimed: Claimed,
  sshPublicKey: string,
): Promise<void> {
  const target = {
    cloudID: claimed.cloudID,
    leaseID: claimed.poolMachineID,
    ...(claimed.region ? { region: claimed.region } : {}),
  };
  try {
    await withDeadline(`provider ${provider.name} authorizeKey`, deps.settings.providerCallTimeoutMs, () =>
      (provider.authorizeKey as NonNullable<Provider["authorizeKey"]>)(target, sshPublicKey),
    );
  } catch (error) {
    const meta = systemMeta(`pool-handover-${leaseID}`);
    deps.store.execute({
      stream: leaseStream(leaseID),
      decider: leaseDecider,
      command: { type: "Release", delete: true, releasedBy: "crabbox" },
      now: deps.now(),
      meta,
    });
    await deps.cleanup.deleteMachine(leaseID, meta.requestId ?? "pool-handover");
    throw new CrabboxError(
      "provider_error",
      `the ready pool machine could not be handed to lease ${leaseID} (${(error as Error).message}); create the lease again with a new leaseID`,
      { leaseID },
    );
  }
}
