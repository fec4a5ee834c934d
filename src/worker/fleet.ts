import { DurableObject } from "cloudflare:workers";
import type {
  AdminEventsQuery,
  EventsPage,
  OrphansResponse,
  PoolQuery,
  PoolResponse,
  ReplayReport,
  StreamEventsQuery,
} from "../api/admin";
import type { ExportPage, ExportQuery } from "../api/export";
import type {
  HeartbeatRequest,
  LeaseListQuery,
  LeaseRecord,
  LeaseRequest,
  ReleaseRequest,
  ShareDeleteRequest,
  ShareResponse,
} from "../api/leases";
import type {
  RunCreateRequest,
  RunEventInput,
  RunEventRecord,
  RunEventsQuery,
  RunFinishRequest,
  RunListQuery,
  RunRecord,
  RunTelemetryRequest,
} from "../api/runs";
import type { UsageQuery, UsageResponse } from "../api/usage";
import type {
  WebhookCreated,
  WebhookCreateRequest,
  WebhookDeleted,
  WebhookDetail,
  WebhookList,
} from "../api/webhooks";
import type { ShareRole } from "../events/catalogue";
import { applyMigrations } from "../events/migrate";
import { migrations } from "../events/migrations";
import { EventStore } from "../events/store";
import type { Env } from "./env";
import { AdminService } from "./fleet/admin-service";
import { AlarmScheduler } from "./fleet/alarm";
import { MachineCleanup } from "./fleet/cleanup";
import { type FleetDeps, fleetDeps } from "./fleet/deps";
import { type CreatedLease, LeaseService, type ReleaseMode } from "./fleet/lease-service";
import { type LoginCommand, type LoginResult, PendingLogins } from "./fleet/logins";
import { FleetMetrics } from "./fleet/metrics/fleet-metrics";
import { OrphanReport } from "./fleet/orphan-report";
import { OrphanSweep } from "./fleet/orphan-sweep";
import { Provisioner } from "./fleet/provisioning";
import { RestartRecovery } from "./fleet/restart-recovery";
import { asRpc, type Caller, type RpcResult } from "./fleet/rpc";
import { RunService } from "./fleet/run-service";
import { RunSweep } from "./fleet/run-sweep";
import { usageReport } from "./fleet/usage-report";
import { WebhookDispatcher } from "./fleet/webhooks/dispatcher";
import { WebhookService } from "./fleet/webhooks/service";

/**
 * The one Fleet Durable Object: owner of the event log and its projections. Its methods are
 * the Worker's RPC surface; each is a one-line call into a service in `src/worker/fleet/`,
 * returning failures as data (`RpcResult`) so their codes survive the RPC boundary.
 */
export class FleetDurableObject extends DurableObject<Env> {
  /** The event store; every state change goes through `store.execute(...)`. */
  readonly store: EventStore;
  readonly deps: FleetDeps;
  readonly cleanup: MachineCleanup;
  readonly provisioner: Provisioner;
  readonly scheduler: AlarmScheduler;
  readonly leases: LeaseService;
  readonly runs: RunService;
  readonly admin: AdminService;
  readonly orphanReport: OrphanReport;
  readonly fleetMetrics: FleetMetrics;
  readonly webhooks: WebhookService;
  private pendingLogins: PendingLogins | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new EventStore(ctx.storage);
    // No request may see a half-migrated schema; a throw here resets the object.
    void ctx.blockConcurrencyWhile(async () => {
      applyMigrations(ctx.storage, migrations, Date.now());
      // Hashes rows written before the chain existed (docs/event-log.md, "Hash chain").
      this.store.chainHead();
    });
    this.deps = fleetDeps(ctx.storage, this.store, env as unknown as Record<string, unknown>);
    this.cleanup = new MachineCleanup(this.deps);
    this.provisioner = new Provisioner(this.deps, this.cleanup);
    const recovery = new RestartRecovery(this.deps, this.provisioner);
    this.scheduler = new AlarmScheduler(
      this.deps,
      this.provisioner,
      this.cleanup,
      new OrphanSweep(this.deps, (lease, requestId) =>
        this.provisioner.checkForLateMachine(lease, requestId),
      ),
      recovery,
      new WebhookDispatcher(this.deps),
      new RunSweep(this.deps, this.deps.settings.runSilenceMs),
    );
    // Creates that were in flight in a previous incarnation have no one to finish them: the
    // first alarm after start reconciles them (fleet/restart-recovery.ts). Arming it here means
    // the first request after a restart is enough to set recovery going.
    void ctx.blockConcurrencyWhile(async () => {
      recovery.snapshot();
      if (recovery.nextDue() !== undefined) await this.scheduler.schedule();
    });
    this.leases = new LeaseService(this.deps, this.provisioner, this.cleanup, this.scheduler);
    this.runs = new RunService(this.deps);
    this.admin = new AdminService(this.deps);
    this.orphanReport = new OrphanReport(this.deps);
    this.fleetMetrics = new FleetMetrics(this.deps);
    this.webhooks = new WebhookService(this.deps, () => this.scheduler.schedule());
  }

  override async alarm(): Promise<void> {
    await this.scheduler.run();
  }

  /** The no-op round trip the heartbeat benchmark compares against. */
  ping(): { ok: true } {
    return { ok: true };
  }

  // Leases

  createLease(caller: Caller, body: LeaseRequest): Promise<RpcResult<CreatedLease>> {
    return asRpc(() => this.leases.create(caller, body));
  }

  getLease(caller: Caller, ref: string): Promise<RpcResult<LeaseRecord>> {
    return asRpc(() => this.leases.get(caller, ref));
  }

  listLeases(caller: Caller, query: LeaseListQuery): Promise<RpcResult<LeaseRecord[]>> {
    return asRpc(() => this.leases.list(caller, query));
  }

  heartbeatLease(caller: Caller, ref: string, body: HeartbeatRequest): Promise<RpcResult<LeaseRecord>> {
    return asRpc(() => this.leases.heartbeat(caller, ref, body));
  }

  releaseLease(
    caller: Caller,
    ref: string,
    body: ReleaseRequest,
    mode: ReleaseMode,
  ): Promise<RpcResult<LeaseRecord>> {
    return asRpc(() => this.leases.release(caller, ref, body, mode));
  }

  getLeaseShare(caller: Caller, ref: string): Promise<RpcResult<ShareResponse>> {
    return asRpc(() => this.leases.getShare(caller, ref));
  }

  setLeaseShare(
    caller: Caller,
    ref: string,
    share: { users: Record<string, ShareRole>; org?: ShareRole },
  ): Promise<RpcResult<ShareResponse>> {
    return asRpc(() => this.leases.setShare(caller, ref, share));
  }

  removeLeaseShare(caller: Caller, ref: string, body: ShareDeleteRequest): Promise<RpcResult<ShareResponse>> {
    return asRpc(() => this.leases.removeShare(caller, ref, body));
  }

  leaseEvents(caller: Caller, ref: string, query: StreamEventsQuery): Promise<RpcResult<EventsPage>> {
    return asRpc(() => this.leases.events(caller, ref, query));
  }

  // Runs

  createRun(caller: Caller, body: RunCreateRequest): Promise<RpcResult<RunRecord>> {
    return asRpc(async () => {
      const run = await this.runs.create(caller, body);
      // A run its client never finishes is ended by the alarm (fleet/run-sweep.ts): arm it.
      await this.scheduler.schedule();
      return run;
    });
  }

  listRuns(caller: Caller, query: RunListQuery): Promise<RpcResult<RunRecord[]>> {
    return asRpc(() => this.runs.list(caller, query));
  }

  getRun(caller: Caller, runID: string): Promise<RpcResult<RunRecord>> {
    return asRpc(() => this.runs.get(caller, runID));
  }

  runLog(caller: Caller, runID: string): Promise<RpcResult<string>> {
    return asRpc(() => this.runs.log(caller, runID));
  }

  runEvents(caller: Caller, runID: string, query: RunEventsQuery): Promise<RpcResult<RunEventRecord[]>> {
    return asRpc(() => this.runs.events(caller, runID, query));
  }

  appendRunEvent(caller: Caller, runID: string, body: RunEventInput): Promise<RpcResult<RunEventRecord>> {
    return asRpc(() => this.runs.appendEvent(caller, runID, body));
  }

  recordRunTelemetry(
    caller: Caller,
    runID: string,
    body: RunTelemetryRequest,
  ): Promise<RpcResult<RunRecord>> {
    return asRpc(() => this.runs.recordTelemetry(caller, runID, body));
  }

  finishRun(caller: Caller, runID: string, body: RunFinishRequest): Promise<RpcResult<RunRecord>> {
    return asRpc(() => this.runs.finish(caller, runID, body));
  }

  // Usage, pool, audit

  usage(caller: Caller, query: UsageQuery): Promise<RpcResult<UsageResponse>> {
    return asRpc(() => usageReport(this.deps, caller, query));
  }

  pool(caller: Caller, query: PoolQuery): Promise<RpcResult<PoolResponse>> {
    return asRpc(() => this.admin.pool(caller, query));
  }

  adminEvents(caller: Caller, query: AdminEventsQuery): Promise<RpcResult<EventsPage>> {
    return asRpc(() => this.admin.events(caller, query));
  }

  adminExport(caller: Caller, query: ExportQuery): Promise<RpcResult<ExportPage>> {
    return asRpc(() => this.admin.export(caller, query));
  }

  replay(caller: Caller): Promise<RpcResult<ReplayReport>> {
    return asRpc(() => this.admin.replay(caller));
  }

  orphans(caller: Caller): Promise<RpcResult<OrphansResponse>> {
    return asRpc(() => this.orphanReport.list(caller));
  }

  metrics(caller: Caller): Promise<RpcResult<string>> {
    return asRpc(() => this.fleetMetrics.render(caller));
  }

  createWebhook(caller: Caller, body: WebhookCreateRequest): Promise<RpcResult<WebhookCreated>> {
    return asRpc(() => this.webhooks.create(caller, body));
  }

  listWebhooks(caller: Caller): Promise<RpcResult<WebhookList>> {
    return asRpc(() => this.webhooks.list(caller));
  }

  getWebhook(caller: Caller, id: string): Promise<RpcResult<WebhookDetail>> {
    return asRpc(() => this.webhooks.get(caller, id));
  }

  deleteWebhook(caller: Caller, id: string): Promise<RpcResult<WebhookDeleted>> {
    return asRpc(() => this.webhooks.delete(caller, id));
  }

  // GitHub login (pending logins live beside the log, never in it)

  githubLogin(command: LoginCommand): Promise<RpcResult<LoginResult>> {
    this.pendingLogins ??= new PendingLogins(this.ctx.storage.sql);
    const logins = this.pendingLogins;
    return asRpc(() => logins.handle(command));
  }
}
