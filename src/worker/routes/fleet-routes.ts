import type { CrabboxRouter } from "../router";
import { adminEvents } from "./admin/events";
import { adminExport } from "./admin/export";
import { adminDeleteLease } from "./admin/lease-delete";
import { adminReleaseLease } from "./admin/lease-release";
import { adminListLeases } from "./admin/leases-list";
import { adminOrphans } from "./admin/orphans";
import { adminReplay } from "./admin/replay";
import { fleetHealth } from "./fleet-health";
import { createLease } from "./leases/create";
import { leaseEvents } from "./leases/events";
import { getLease } from "./leases/get";
import { heartbeatLease } from "./leases/heartbeat";
import { listLeases } from "./leases/list";
import { releaseLease } from "./leases/release";
import { deleteLeaseShare } from "./leases/share-delete";
import { getLeaseShare } from "./leases/share-get";
import { putLeaseShare } from "./leases/share-put";
import { pool } from "./pool";
import { createRun } from "./runs/create";
import { appendRunEvent } from "./runs/events-append";
import { listRunEvents } from "./runs/events-list";
import { finishRun } from "./runs/finish";
import { getRun } from "./runs/get";
import { listRuns } from "./runs/list";
import { runLogs } from "./runs/logs";
import { recordRunTelemetry } from "./runs/telemetry";
import { usage } from "./usage";

/** A finish carries up to 8 MiB of log tail, JSON-escaped; everything else stays under 1 MiB. */
export const finishMaxBodyBytes = 24 * 1024 * 1024;

/** Lease, run, usage, pool and admin routes (every one authenticated). */
export function registerFleetRoutes(router: CrabboxRouter): void {
  router.get("/v1/fleet/health", fleetHealth);

  router.post("/v1/leases", createLease);
  router.get("/v1/leases", listLeases);
  router.get("/v1/leases/:id", getLease);
  router.post("/v1/leases/:id/heartbeat", heartbeatLease);
  router.post("/v1/leases/:id/release", releaseLease);
  router.get("/v1/leases/:id/share", getLeaseShare);
  router.put("/v1/leases/:id/share", putLeaseShare);
  router.delete("/v1/leases/:id/share", deleteLeaseShare);
  router.get("/v1/leases/:id/events", leaseEvents);

  router.post("/v1/runs", createRun);
  router.get("/v1/runs", listRuns);
  router.get("/v1/runs/:id", getRun);
  router.get("/v1/runs/:id/logs", runLogs);
  router.get("/v1/runs/:id/events", listRunEvents);
  router.post("/v1/runs/:id/events", appendRunEvent);
  router.post("/v1/runs/:id/telemetry", recordRunTelemetry);
  router.post("/v1/runs/:id/finish", finishRun, { maxBodyBytes: finishMaxBodyBytes });

  router.get("/v1/usage", usage);
  router.get("/v1/pool", pool);

  router.get("/v1/admin/leases", adminListLeases);
  router.post("/v1/admin/leases/:id/release", adminReleaseLease);
  router.post("/v1/admin/leases/:id/delete", adminDeleteLease);
  router.get("/v1/admin/events", adminEvents);
  router.get("/v1/admin/export", adminExport);
  router.post("/v1/admin/replay", adminReplay);
  router.get("/v1/admin/orphans", adminOrphans);
}
