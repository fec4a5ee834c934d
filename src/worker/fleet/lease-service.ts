import type { EventsPage, StreamEventsQuery } from "../../api/admin";
import type {
  HeartbeatRequest,
  LeaseListQuery,
  LeaseRecord,
  LeaseRequest,
  ReleaseRequest,
  ShareDeleteRequest,
  ShareResponse,
} from "../../api/leases";
import {
  type CostedLease,
  costExposure,
  costLimitsFromEnv,
  enforceCostLimits,
  monthStart,
  runtimeEstimateUSD,
} from "../../domain/cost";
import { isLeaseId, newLeaseId, normalizeSlug } from "../../domain/ids";
import { sanitizeTelemetry } from "../../domain/telemetry";
import { CrabboxError, type ErrorCode, errorCodes } from "../../errors";
import type { LeaseRequestedData, ShareRole } from "../../events/catalogue";
import { type LeaseCommand, leaseDecider, leaseStream } from "../../events/lease-decider";
import { isLeaseLive, type LeaseState } from "../../events/lease-state";
import { getLease, leaseRecordWithHistory } from "../../projections/leases-queries";
import { eventSample, toLeaseRecord } from "../../projections/records";
import type { AlarmScheduler } from "./alarm";
import { readStreamAcrossArchive } from "./archive/stream-trail";
import type { MachineCleanup } from "./cleanup";
import { callerMeta, executeLeaseCommand, type FleetDeps } from "./deps";
import { toLogEvent } from "./events-page";
import { GroupCommit } from "./group-commit";
import { dedupeFor } from "./idempotency";
import {
  costRelevantLeases,
  listLeasesNewestFirst,
  liveLeasesBySlug,
  liveSharedLeases,
  ownLeases,
  slugTaken,
} from "./lease-queries";
import { leaseRequestFingerprint, type NormalizedLeaseRequest, normalizeLeaseRequest } from "./lease-request";
import { hourlyPrice, reservation } from "./prices";
import type { Provisioner } from "./provisioning";
import type { Caller } from "./rpc";
import { canManageLease, canSeeLease, leaseRole, shareKey } from "./scoping";
import { allocateSlug, requestedSlugBase } from "./slugs";

export type ReleaseMode = "owner" | "admin" | "admin-delete";

export interface CreatedLease {
  status: 200 | 201 | 202;
  lease: LeaseRecord;
}

const leaseNotFound = () => new CrabboxError("not_found", "lease not found");

/** Lease use cases: create (idempotent), read, list, heartbeat, release, share, its event stream. */
export class LeaseService {
  /** Heartbeats arriving together are written in one turn: one durable commit for all. */
  private readonly heartbeats = new GroupCommit(() => this.deps.storage.sync());

  constructor(
    private readonly deps: FleetDeps,
    private readonly provisioner: Provisioner,
    private readonly cleanup: MachineCleanup,
    private readonly alarm: AlarmScheduler,
  ) {}

  private record(lease: LeaseState, withHistory = true): LeaseRecord {
    return withHistory ? leaseRecordWithHistory(this.deps.sql, lease) : toLeaseRecord(lease);
  }

  /** `{id}` path parameter: a lease ID (any state) or the slug of a live lease the caller can see. */
  resolve(ref: string, caller: Caller): LeaseState {
    const identity = caller.identity;
    if (isLeaseId(ref)) {
      const lease = getLease(this.deps.sql, ref);
      if (!lease || !canSeeLease(lease, identity)) throw leaseNotFound();
      return lease;
    }
    const slug = normalizeSlug(ref);
    if (!slug) throw leaseNotFound();
    const candidates = liveLeasesBySlug(this.deps.sql, slug, this.deps.now()).filter((l) =>
      canSeeLease(l, identity),
    );
    if (candidates.length > 1) {
      const own = candidates.filter((l) => l.owner === identity.owner && l.org === identity.org);
      if (own.length === 1 && own[0]) return own[0];
      throw new CrabboxError("ambiguous", `slug ${slug} matches several leases; use the lease ID`, {
        leaseIDs: candidates.map((l) => l.id),
      });
    }
    const [only] = candidates;
    if (!only) throw leaseNotFound();
    return only;
  }

  // -------------------------------------------------------------------------------------------
  // Create

  async create(caller: Caller, body: LeaseRequest): Promise<CreatedLease> {
    const { identity } = caller;
    const request = normalizeLeaseRequest(body, this.deps.env);
    const leaseID = body.leaseID ?? newLeaseId();
    const fp = await leaseRequestFingerprint(request, identity);
    const known = this.replay(leaseID, fp);
    if (known) return known;

    const provider = this.deps.provider(request.provider);
    const hourly = await hourlyPrice(this.deps, provider, request.serverType, request.region);
    // The price lookup awaited: a concurrent retry of the same create may have recorded it meanwhile.
    const again = this.replay(leaseID, fp);
    if (again) return again;

    // From here to the append nothing awaits, so guardrails and the slug are race-free.
    const now = this.deps.now();
    const maxUSD = reservation(request.ttlSeconds, hourly);
    this.enforceCostLimits(identity, maxUSD, now);
    const slug = allocateSlug(requestedSlugBase(request.requestedSlug, leaseID), leaseID, (candidate) =>
      slugTaken(this.deps.sql, identity.owner, identity.org, candidate, now),
    );
    if (request.provider === "aws" && !request.sshCIDRs?.length && caller.clientIp) {
      request.sshCIDRs = [`${caller.clientIp}/${caller.clientIp.includes(":") ? 128 : 32}`];
    }
    const meta = callerMeta(caller);
    const result = this.deps.store.execute({
      stream: leaseStream(leaseID),
      decider: leaseDecider,
      command: {
        type: "RequestLease",
        lease: this.requestedData(leaseID, slug, request, identity, hourly, maxUSD, now),
      },
      now,
      meta,
      dedupeKey: createDedupeKey(leaseID),
      fingerprint: fp,
    });
    if (result.status === "deduplicated")
      return this.answer(leaseID, this.provisioner.inFlight(leaseID) ?? Promise.resolve(), 200);
    const work = this.provisioner.start(result.state, request, provider, meta);
    await this.alarm.schedule();
    return this.answer(leaseID, work, 201);
  }

  private requestedData(
    leaseID: string,
    slug: string,
    request: NormalizedLeaseRequest,
    identity: Caller["identity"],
    hourly: number,
    maxUSD: number,
    now: number,
  ): LeaseRequestedData {
    const s = this.deps.settings;
    const data: LeaseRequestedData = {
      leaseID,
      slug,
      owner: identity.owner,
      org: identity.org,
      provider: request.provider,
      target: request.target,
      desktop: request.desktop,
      browser: request.browser,
      code: request.code,
      profile: request.profile,
      class: request.class,
      requestedServerType: request.serverType,
      serverTypeExplicit: request.serverTypeExplicit,
      providerOptions: {
        ...(request.image ? { image: request.image } : {}),
        ...(request.sshCIDRs?.length ? { sshCIDRs: request.sshCIDRs } : {}),
      },
      providerKey: request.providerKey,
      sshUser: request.sshUser,
      sshPort: String(request.sshPort),
      sshFallbackPorts: request.sshFallbackPorts.map(String),
      sshPublicKey: request.sshPublicKey,
      workRoot: request.workRoot,
      keep: request.keep,
      ttlSeconds: request.ttlSeconds,
      idleTimeoutSeconds: request.idleTimeoutSeconds,
      estimatedHourlyUSD: hourly,
      maxEstimatedUSD: maxUSD,
      provisioningDeadlineAt: now + s.providerCreateTimeoutMs + s.reconcileGraceMs,
      market: request.market,
    };
    if (request.windowsMode) data.windowsMode = request.windowsMode;
    if (request.region) data.region = request.region;
    return data;
  }

  /** A create under a `leaseID` the log already knows: the same lease, or a conflict. */
  private replay(leaseID: string, fp: string): Promise<CreatedLease> | undefined {
    const known = this.deps.sql
      .exec<{ fingerprint: string }>(
        "SELECT fingerprint FROM commands WHERE dedupe_key = ?",
        createDedupeKey(leaseID),
      )
      .toArray()[0];
    const lease = getLease(this.deps.sql, leaseID);
    if (!known && !lease) return undefined;
    if (!known || known.fingerprint !== fp || !lease) {
      throw new CrabboxError("lease_id_conflict", `lease ${leaseID} already exists for a different request`, {
        leaseID,
      });
    }
    const inflight = this.provisioner.inFlight(leaseID);
    return this.answer(leaseID, inflight ?? Promise.resolve(), 200);
  }

  /** Waits for the provisioning outcome up to the wait deadline, then answers with the lease as it stands. */
  private async answer(leaseID: string, work: Promise<void>, status: 200 | 201): Promise<CreatedLease> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.deps.settings.provisionWaitMs);
    });
    await Promise.race([work, waited]);
    clearTimeout(timer);
    const lease = getLease(this.deps.sql, leaseID);
    if (!lease) throw leaseNotFound();
    switch (lease.state) {
      case "provisioning":
        return { status: 202, lease: this.record(lease) };
      case "active":
        return { status, lease: this.record(lease) };
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

  private enforceCostLimits(identity: Caller["identity"], candidateUSD: number, now: number): void {
    const limits = costLimitsFromEnv(this.deps.env);
    const anyLimit = Object.values(limits).some((v) => v > 0);
    if (!anyLimit) return;
    const leases: CostedLease[] = costRelevantLeases(this.deps.sql, monthStart(now)).map((lease) => ({
      owner: lease.owner,
      org: lease.org,
      live:
        isLeaseLive(lease.state) ||
        lease.machineState === "delete_requested" ||
        lease.machineState === "delete_failed",
      createdAt: lease.createdAt,
      reservedUSD: lease.maxEstimatedUSD,
      spentUSD: runtimeEstimateUSD(
        lease.createdAt,
        lease.endedAt ?? now,
        lease.estimatedHourlyUSD,
        lease.maxEstimatedUSD,
      ),
    }));
    enforceCostLimits(limits, costExposure(leases, identity, now), candidateUSD);
  }

  // -------------------------------------------------------------------------------------------
  // Read

  get(caller: Caller, ref: string): LeaseRecord {
    return this.record(this.resolve(ref, caller));
  }

  /**
   * Visible leases, newest first, the limit applied after visibility. Admins walk the
   * created-at index; everyone else gets their own leases (owner+org index) plus the live
   * leases shared with them (state index) — every read is index-backed and bounded.
   */
  list(caller: Caller, query: LeaseListQuery): LeaseRecord[] {
    const filter = {
      ...(query.state ? { state: query.state } : {}),
      ...(query.owner ? { owner: query.owner } : {}),
      ...(query.org ? { org: query.org } : {}),
    };
    const { identity } = caller;
    if (identity.admin) {
      return listLeasesNewestFirst(this.deps.sql, filter, () => true, query.limit).map((l) =>
        this.record(l, false),
      );
    }
    const matches = (lease: LeaseState) =>
      (filter.state === undefined || lease.state === filter.state) &&
      (filter.owner === undefined || lease.owner === filter.owner) &&
      (filter.org === undefined || lease.org === filter.org);
    const own = ownLeases(this.deps.sql, identity.owner, identity.org, filter, query.limit);
    const shared = liveSharedLeases(this.deps.sql).filter(
      (l) =>
        matches(l) && !(l.owner === identity.owner && l.org === identity.org) && canSeeLease(l, identity),
    );
    return [...own, ...shared]
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, query.limit)
      .map((lease) => this.record(lease, false));
  }

  async events(caller: Caller, ref: string, query: StreamEventsQuery): Promise<EventsPage> {
    const lease = this.resolve(ref, caller);
    if (!canManageLease(lease, caller.identity)) {
      throw new CrabboxError("forbidden", "lease manage access required");
    }
    const events = await readStreamAcrossArchive(
      this.deps,
      leaseStream(lease.id),
      query.after,
      query.limit + 1,
    );
    const page = events.slice(0, query.limit);
    const last = page.at(-1);
    return {
      events: page.map(toLogEvent),
      ...(events.length > query.limit && last ? { next: last.version } : {}),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Heartbeat

  async heartbeat(caller: Caller, ref: string, body: HeartbeatRequest): Promise<LeaseRecord> {
    const dedupe = await dedupeFor(caller, "heartbeat", ref, body);
    // The hot path: a lease ID is checked against the state the store loads anyway.
    const leaseID = isLeaseId(ref) ? ref : this.resolve(ref, caller).id;
    const now = this.deps.now();
    const sample = body.telemetry ? sanitizeTelemetry(body.telemetry, now) : undefined;
    const command: LeaseCommand = {
      type: "Heartbeat",
      ...(body.idleTimeoutSeconds !== undefined ? { idleTimeoutSeconds: body.idleTimeoutSeconds } : {}),
      ...(sample ? { telemetry: eventSample(sample) } : {}),
    };
    const meta = callerMeta(caller);
    const result = await this.heartbeats.run(leaseID, () =>
      this.deps.store.execute({
        stream: leaseStream(leaseID),
        decider: leaseDecider,
        command,
        now: this.deps.now(),
        meta,
        guard: (lease: LeaseState) => {
          if (!lease.exists || !canSeeLease(lease, caller.identity)) throw leaseNotFound();
        },
        ...(dedupe ? { ...dedupe, result: (state: LeaseState) => this.record(state, false) as never } : {}),
      }),
    );
    if (result.status === "deduplicated") return result.outcome.result as unknown as LeaseRecord;
    // A shorter idle timeout can bring the expiry forward; otherwise the alarm stays where it is.
    await this.alarm.scheduleNoLaterThan(result.state.expiresAt);
    // The hot path: the lease without its telemetry ring (`GET /v1/leases/{id}` has it).
    return this.record(result.state, false);
  }

  // -------------------------------------------------------------------------------------------
  // Release

  async release(caller: Caller, ref: string, body: ReleaseRequest, mode: ReleaseMode): Promise<LeaseRecord> {
    if (mode !== "owner" && !caller.identity.admin)
      throw new CrabboxError("forbidden", "admin token required");
    const dedupe = await dedupeFor(caller, `release:${mode}`, ref, body);
    const lease = this.resolve(ref, caller);
    if (!canManageLease(lease, caller.identity)) {
      throw new CrabboxError("forbidden", "lease manage access required");
    }
    const meta = callerMeta(caller);
    const deleteMachine = mode === "admin-delete" ? true : body.delete;
    const command: LeaseCommand =
      mode === "admin-delete" && !isLeaseLive(lease.state)
        ? { type: "RequestMachineDelete", reason: "admin" }
        : {
            type: "Release",
            releasedBy: caller.identity.owner,
            ...(deleteMachine !== undefined ? { delete: deleteMachine } : {}),
          };
    const result = this.deps.store.execute({
      stream: leaseStream(lease.id),
      decider: leaseDecider,
      command,
      now: this.deps.now(),
      meta,
      ...(dedupe ? { ...dedupe, result: (state: LeaseState) => this.record(state) as never } : {}),
    });
    if (result.status === "deduplicated") return result.outcome.result as unknown as LeaseRecord;
    const retryNow = mode === "admin-delete" && result.state.machineState === "delete_failed";
    if (result.state.machineState === "delete_requested" || retryNow) {
      await this.cleanup.deleteMachine(lease.id, caller.requestId);
    }
    await this.alarm.schedule();
    if (dedupe) return result.outcome.result as unknown as LeaseRecord;
    const after = getLease(this.deps.sql, lease.id);
    return this.record(after ?? result.state);
  }

  // -------------------------------------------------------------------------------------------
  // Share

  private shareResponse(lease: LeaseState): ShareResponse {
    const share = toLeaseRecord(lease).share;
    return { leaseID: lease.id, share: share ?? { users: {} } };
  }

  getShare(caller: Caller, ref: string): ShareResponse {
    return this.shareResponse(this.resolve(ref, caller));
  }

  private changeShare(
    caller: Caller,
    lease: LeaseState,
    users: Record<string, ShareRole>,
    org?: ShareRole,
  ): ShareResponse {
    if (!canManageLease(lease, caller.identity))
      throw new CrabboxError("forbidden", "lease manage access required");
    const normalized = Object.fromEntries(
      Object.entries(users).map(([user, role]) => [shareKey(user), role]),
    );
    const result = executeLeaseCommand(
      this.deps,
      lease.id,
      { type: "ChangeShare", users: normalized, changedBy: caller.identity.owner, ...(org ? { org } : {}) },
      callerMeta(caller),
    );
    return this.shareResponse(result.state);
  }

  setShare(
    caller: Caller,
    ref: string,
    share: { users: Record<string, ShareRole>; org?: ShareRole },
  ): ShareResponse {
    return this.changeShare(caller, this.resolve(ref, caller), share.users, share.org);
  }

  removeShare(caller: Caller, ref: string, body: ShareDeleteRequest): ShareResponse {
    const lease = this.resolve(ref, caller);
    if (body.user === undefined && !body.org) return this.changeShare(caller, lease, {});
    const users = { ...(lease.share?.users ?? {}) };
    if (body.user !== undefined) delete users[shareKey(body.user)];
    const org = body.org ? undefined : lease.share?.org;
    return this.changeShare(caller, lease, users, org);
  }

  roleOf(caller: Caller, lease: LeaseState) {
    return leaseRole(lease, caller.identity);
  }
}

export function createDedupeKey(leaseID: string): string {
  return `lease-create:${leaseID}`;
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
