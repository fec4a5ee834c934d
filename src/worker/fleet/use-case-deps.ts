import type { AlarmScheduler } from "./alarm";
import type { FleetDeps } from "./deps";
import type { GroupCommit } from "./group-commit";
import type { MachineCleanup } from "./machines/cleanup";
import type { OrphanReport } from "./machines/orphan-report";
import type { Provisioner } from "./machines/provisioning";
import type { FleetMetrics } from "./metrics/fleet-metrics";
import type { PoolKeeper } from "./pools/pool-keeper";
import type { WebhookService } from "./webhooks/service";

/**
 * What a use case (`handle(deps, caller, input)` under `leases/`, `runs/`, `admin/`) may use:
 * the shared Fleet deps plus the long-lived parts the Durable Object owns, whose state outlives
 * one request (provisioning in flight, the heartbeat group commit, the alarm).
 */
export interface UseCaseDeps extends FleetDeps {
  provisioner: Provisioner;
  cleanup: MachineCleanup;
  scheduler: AlarmScheduler;
  /** Heartbeats arriving together are written in one turn: one durable commit for all. */
  heartbeats: GroupCommit;
  orphanReport: OrphanReport;
  fleetMetrics: FleetMetrics;
  webhooks: WebhookService;
  pools: PoolKeeper;
}

/**
 * Layers the services over `deps` without copying it: `env` and `settings` are getters (the
 * test overrides are read on every call), so they stay on the prototype.
 */
export function useCaseDeps(deps: FleetDeps, services: Omit<UseCaseDeps, keyof FleetDeps>): UseCaseDeps {
  return Object.assign(Object.create(deps) as FleetDeps, services);
}
