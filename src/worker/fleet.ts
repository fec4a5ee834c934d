import { DurableObject } from "cloudflare:workers";
import { CrabboxError } from "../errors";
import { applyMigrations } from "../events/migrate";
import { migrations } from "../events/migrations";
import { EventStore } from "../events/store";
import { inlineProjections } from "../projections/inline";
import { workerConnect } from "./agent-socket";
import type { Env } from "./env";
import { AlarmScheduler } from "./fleet/alarm";
import { fleetDeps } from "./fleet/deps";
import { GroupCommit } from "./fleet/group-commit";
import {
  type Handler,
  type HandlerKey,
  handlers,
  type InputOf,
  isHandlerKey,
  type OutputOf,
} from "./fleet/handlers";
import { type LoginCommand, type LoginResult, PendingLogins } from "./fleet/logins";
import { MachineCleanup } from "./fleet/machines/cleanup";
import { OrphanReport } from "./fleet/machines/orphan-report";
import { OrphanSweep } from "./fleet/machines/orphan-sweep";
import { Provisioner } from "./fleet/machines/provisioning";
import { RestartRecovery } from "./fleet/machines/restart-recovery";
import { FleetMetrics } from "./fleet/metrics/fleet-metrics";
import { PoolKeeper } from "./fleet/pools/pool-keeper";
import { asRpc, type Caller, type RpcResult } from "./fleet/rpc";
import { RunSweep } from "./fleet/run-sweep";
import { type UseCaseDeps, useCaseDeps } from "./fleet/use-case-deps";
import { WebhookDispatcher } from "./fleet/webhooks/dispatcher";
import { WebhookService } from "./fleet/webhooks/service";

/**
 * The one Fleet Durable Object: owner of the event log and its projections. Its RPC surface is
 * one typed `dispatch(key, caller, input)` into the use cases of `fleet/handlers.ts`, which
 * returns failures as data (`RpcResult`) so their codes survive the RPC boundary.
 */
export class FleetDurableObject extends DurableObject<Env> {
  /** The event store; every state change goes through `store.execute(...)`. */
  readonly store: EventStore;
  readonly scheduler: AlarmScheduler;
  private readonly useCases: UseCaseDeps;
  private pendingLogins: PendingLogins | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new EventStore(ctx.storage, { projections: inlineProjections });
    // No request may see a half-migrated schema; a throw here resets the object.
    void ctx.blockConcurrencyWhile(async () => {
      applyMigrations(ctx.storage, migrations, Date.now());
      // Hashes rows written before the chain existed (docs/event-log.md, "Hash chain").
      this.store.chainHead();
    });
    const deps = fleetDeps(ctx.storage, this.store, env as unknown as Record<string, unknown>, workerConnect);
    const cleanup = new MachineCleanup(deps);
    const provisioner = new Provisioner(deps, cleanup);
    const recovery = new RestartRecovery(deps, provisioner);
    const pools = new PoolKeeper(deps);
    this.scheduler = new AlarmScheduler(
      deps,
      provisioner,
      cleanup,
      new OrphanSweep(deps, (lease, requestId) => provisioner.checkForLateMachine(lease, requestId)),
      recovery,
      new WebhookDispatcher(deps),
      new RunSweep(deps, deps.settings.runSilenceMs),
      pools,
    );
    pools.onSettled = () => this.scheduler.schedule();
    // Creates that were in flight in a previous incarnation have no one to finish them: the
    // first alarm after start reconciles them (fleet/machines/restart-recovery.ts). Arming it
    // here means the first request after a restart is enough to set recovery going.
    void ctx.blockConcurrencyWhile(async () => {
      recovery.snapshot();
      if (recovery.nextDue() !== undefined || pools.nextDue() !== undefined) await this.scheduler.schedule();
    });
    const scheduler = this.scheduler;
    this.useCases = useCaseDeps(deps, {
      provisioner,
      cleanup,
      scheduler,
      heartbeats: new GroupCommit(() => ctx.storage.sync()),
      orphanReport: new OrphanReport(deps),
      fleetMetrics: new FleetMetrics(deps),
      webhooks: new WebhookService(deps, () => scheduler.schedule()),
      pools,
    });
  }

  override async alarm(): Promise<void> {
    await this.scheduler.run();
  }

  /** The no-op round trip the heartbeat benchmark compares against. */
  ping(): { ok: true } {
    return { ok: true };
  }

  /**
   * Runs one use case. The Worker parsed `input` with the use case's own schema before the
   * call (the route names the field on a 400), so it is not parsed again here.
   */
  dispatch<K extends HandlerKey>(key: K, caller: Caller, input: InputOf<K>): Promise<RpcResult<OutputOf<K>>> {
    return asRpc(() => {
      if (!isHandlerKey(key)) throw new CrabboxError("internal", `no fleet use case ${String(key)}`);
      const handler = handlers[key] as Handler<InputOf<K>, OutputOf<K>>;
      return handler(this.useCases, caller, input);
    });
  }

  /** GitHub login (pending logins live beside the log, never in it); the caller has no identity yet. */
  githubLogin(command: LoginCommand): Promise<RpcResult<LoginResult>> {
    this.pendingLogins ??= new PendingLogins(this.ctx.storage.sql);
    const logins = this.pendingLogins;
    return asRpc(() => logins.handle(command));
  }
}
