import { type LeaseRecord, LeaseRequest } from "../../../api/leases";
import { newLeaseId } from "../../../domain/ids";
import { CrabboxError, type ErrorCode, errorCodes } from "../../../errors";
import { leaseDecider, leaseStream } from "../../../events/lease-decider";
import type { LeaseState } from "../../../events/lease-state";
import { getLease, slugTaken } from "../../../projections/leases-queries";
import type { Provider } from "../../../providers/provider";
import { callerMeta, systemMeta } from "../deps";
import { claimablePool, claimReadyMachine, pendingClaim } from "../pools/claim";
import { takeClaimed } from "../pools/take-claimed";
import type { Caller } from "../rpc";
import type { UseCaseDeps } from "../use-case-deps";
import { enforceCostLimits } from "./cost-guard";
import { hourlyPrice, reservation } from "./prices";
import {
  leaseRequestFingerprint,
  type NormalizedLeaseRequest,
  normalizeLeaseRequest,
  requestedData,
} from "./request";
import { leaseNotFound, leaseRecord } from "./resolve";
import { allocateSlug, requestedSlugBase } from "./slugs";

/**
 * `POST /v1/leases`: records `LeaseRequested` and takes a ready pool machine when one fits
 * (`pools/claim.ts`), else starts provisioning and waits for it up to the wait deadline. Idempotent by `leaseID`: the same request again is the same lease (200), a
 * different one is `lease_id_conflict`.
 */
export const input = LeaseRequest;

export interface CreatedLease {
  status: 200 | 201 | 202;
  lease: LeaseRecord;
}

export async function handle(deps: UseCaseDeps, caller: Caller, body: LeaseRequest): Promise<CreatedLease> {
  const { identity } = caller;
  const request = normalizeLeaseRequest(body, deps.env);
  const leaseID = body.leaseID ?? newLeaseId();
  const fp = await leaseRequestFingerprint(request, identity);
  const provider = deps.provider(request.provider);
  const known = replay(deps, leaseID, fp, request, provider);
  if (known) return known;

  const hourly = await hourlyPrice(deps, provider, request.serverType, request.region);
  // The price lookup awaited: a concurrent retry of the same create may have recorded it meanwhile.
  const again = replay(deps, leaseID, fp, request, provider);
  if (again) return again;

  // From here to the append nothing awaits, so guardrails and the slug are race-free.
  const now = deps.now();
  const maxUSD = reservation(request.ttlSeconds, hourly);
  enforceCostLimits(deps, identity, maxUSD, now);
  const slug = allocateSlug(requestedSlugBase(request.requestedSlug, leaseID), leaseID, (candidate) =>
    slugTaken(deps.sql, identity.owner, identity.org, candidate, now),
  );
  if (request.provider === "aws" && !request.sshCIDRs?.length && caller.clientIp) {
    request.sshCIDRs = [`${caller.clientIp}/${caller.clientIp.includes(":") ? 128 : 32}`];
  }
  const meta = callerMeta(caller);
  const lease = requestedData({
    leaseID,
    slug,
    request,
    identity,
    hourly,
    maxUSD,
    now,
    settings: deps.settings,
  });
  const pool = claimablePool(request, provider);
  const claimed = pool
    ? claimReadyMachine(deps, {
        pool,
        requested: lease,
        ttlSeconds: request.ttlSeconds,
        meta,
        dedupeKey: createDedupeKey(leaseID),
        fingerprint: fp,
      })
    : undefined;
  if (pool && claimed) {
    const work = deps.provisioner.track(
      leaseID,
      takeClaimed(deps, { provider, request, leaseID, pool, meta }, claimed),
    );
    await deps.scheduler.schedule(); // the pool is one machine short: the alarm refills it
    return answer(deps, leaseID, work, 201);
  }
  const result = deps.store.execute({
    stream: leaseStream(leaseID),
    decider: leaseDecider,
    command: { type: "RequestLease", lease },
    now,
    meta,
    dedupeKey: createDedupeKey(leaseID),
    fingerprint: fp,
  });
  if (result.status === "deduplicated")
    return answer(deps, leaseID, deps.provisioner.inFlight(leaseID) ?? Promise.resolve(), 200);
  const work = deps.provisioner.start(result.state, request, provider, meta);
  await deps.scheduler.schedule();
  return answer(deps, leaseID, work, 201);
}

function createDedupeKey(leaseID: string): string {
  return `lease-create:${leaseID}`;
}

/**
 * A create under a `leaseID` the log already knows: the same lease, or a conflict. A claim whose
 * hand-over a restart cut off (docs/event-log.md#ready-pools) is handed over now, to the same
 * machine.
 */
function replay(
  deps: UseCaseDeps,
  leaseID: string,
  fp: string,
  request: NormalizedLeaseRequest,
  provider: Provider,
): Promise<CreatedLease> | undefined {
  const known = deps.store.recall(createDedupeKey(leaseID), fp);
  const lease = getLease(deps.sql, leaseID);
  if (known.kind === "unknown" && !lease) return undefined;
  if (known.kind === "unknown" || known.kind === "different" || !lease) {
    throw new CrabboxError("lease_id_conflict", `lease ${leaseID} already exists for a different request`, {
      leaseID,
    });
  }
  const inFlight = deps.provisioner.inFlight(leaseID);
  if (inFlight) return answer(deps, leaseID, inFlight, 200);
  const claimed = pendingClaim(deps, leaseID);
  const pool = claimed && claimablePool(request, provider);
  if (!claimed || !pool) return answer(deps, leaseID, Promise.resolve(), 200);
  const meta = systemMeta(`pool-handover-${leaseID}`);
  const work = deps.provisioner.track(
    leaseID,
    takeClaimed(deps, { provider, request, leaseID, pool, meta }, claimed),
  );
  return answer(deps, leaseID, work, 200);
}

/** Waits for the provisioning outcome up to the wait deadline, then answers with the lease as it stands. */
async function answer(
  deps: UseCaseDeps,
  leaseID: string,
  work: Promise<void>,
  status: 200 | 201,
): Promise<CreatedLease> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, deps.settings.provisionWaitMs);
  });
  await Promise.race([work, waited]);
  clearTimeout(timer);
  const lease = getLease(deps.sql, leaseID);
  if (!lease) throw leaseNotFound();
  switch (lease.state) {
    case "provisioning":
      return { status: 202, lease: leaseRecord(deps, lease) };
    case "active":
      return { status, lease: leaseRecord(deps, lease) };
    case "failed":
      throw failureError(lease);
    case "released":
    case "expired":
      throw new CrabboxError("lease_ended", `lease ${leaseID} is ${lease.state}`, {
        leaseID,
        state: lease.state,
      });
  }
}

function failureError(lease: LeaseState): CrabboxError {
  const code =
    lease.failureCode && Object.hasOwn(errorCodes, lease.failureCode)
      ? (lease.failureCode as ErrorCode)
      : "provider_error";
  return new CrabboxError(code, lease.failureMessage ?? `provisioning lease ${lease.id} failed`, {
    leaseID: lease.id,
    state: "failed",
  });
}
