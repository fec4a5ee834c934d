import { leaseDecider, leaseStream } from "../../../events/lease-decider";
import type { LeaseRequestedData, MachineData } from "../../../events/payloads/lease";
import { poolDecider, poolStream } from "../../../events/pool-decider";
import type { EventMeta } from "../../../events/types";
import { getLease } from "../../../projections/leases-queries";
import { claimedBy, type PoolRef, poolMachinesIn } from "../../../projections/pool-queries";
import type { Provider } from "../../../providers/provider";
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
  machine: MachineData;
}

function claimFirstReady(deps: UseCaseDeps, pool: PoolRef, leaseID: string, meta: EventMeta) {
  const [ready] = poolMachinesIn(deps.sql, pool, ["ready"]);
  if (!ready?.machine || !ready.cloudID) return undefined;
  deps.store.execute({
    stream: poolStream(ready.id),
    decider: poolDecider,
    command: { type: "ClaimPoolMachine", leaseID },
    now: deps.now(),
    meta,
  });
  const claimed: Claimed = { poolMachineID: ready.id, cloudID: ready.cloudID, machine: ready.machine };
  if (ready.machine.region) claimed.region = ready.machine.region;
  return claimed;
}

/**
 * The claim, in one transaction: `LeaseRequested` and the pool stream's `PoolMachineClaimed`.
 * The lease's `MachineClaimedFromPool` follows the hand-over (`take-claimed.ts`); undefined
 * when the pool has no ready machine (nothing is appended then).
 */
export function claimReadyMachine(deps: UseCaseDeps, input: ClaimInput): Claimed | undefined {
  return deps.storage.transactionSync(() => {
    if (!poolMachinesIn(deps.sql, input.pool, ["ready"]).some((m) => m.machine && m.cloudID))
      return undefined;
    deps.store.execute({
      stream: leaseStream(input.requested.leaseID),
      decider: leaseDecider,
      command: { type: "RequestLease", lease: input.requested },
      now: deps.now(),
      meta: input.meta,
      dedupeKey: input.dedupeKey,
      fingerprint: input.fingerprint,
    });
    return claimFirstReady(deps, input.pool, input.requested.leaseID, input.meta);
  });
}

/** Another ready machine for a lease still waiting for one (the last hand-over failed). */
export function claimAnother(
  deps: UseCaseDeps,
  pool: PoolRef,
  leaseID: string,
  meta: EventMeta,
): Claimed | undefined {
  return deps.storage.transactionSync(() => {
    const lease = getLease(deps.sql, leaseID);
    if (lease?.state !== "provisioning" || lease.cloudID !== undefined) return undefined;
    return claimFirstReady(deps, pool, leaseID, meta);
  });
}

/** The pool machine a lease claimed but has not taken yet (a hand-over cut off by a restart). */
export function pendingClaim(deps: UseCaseDeps, leaseID: string): Claimed | undefined {
  const m = claimedBy(deps.sql, leaseID);
  if (!m?.machine || !m.cloudID) return undefined;
  const lease = getLease(deps.sql, leaseID);
  if (lease?.state !== "provisioning" || lease.cloudID !== undefined) return undefined;
  const claimed: Claimed = { poolMachineID: m.id, cloudID: m.cloudID, machine: m.machine };
  if (m.machine.region) claimed.region = m.machine.region;
  return claimed;
}
