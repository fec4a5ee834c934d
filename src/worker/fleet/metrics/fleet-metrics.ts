/**
 * `GET /v1/admin/metrics` inside the Fleet: gauges read from the projections' indexes and
 * counters folded from the log (./log-counters), rendered as Prometheus text. Nothing here
 * calls a provider, so a scrape every 15 s stays cheap (docs/api.md, "Metrics").
 */
import { liveStates } from "../../../projections/leases-queries";
import { requireAdmin } from "../admin/gate";
import { archiveLagMs } from "../archive/archiver";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { type Family, renderFamily, renderHistogram } from "./exposition";
import { LogCounters } from "./log-counters";

/** Machines that cost money: wanted by a live lease, kept, or still waiting to be deleted. */
const billedMachines = `state IN ${liveStates} OR machine_state IN ('kept', 'delete_requested', 'delete_failed')`;

export class FleetMetrics {
  private readonly counters: LogCounters;

  constructor(private readonly deps: FleetDeps) {
    this.counters = new LogCounters(deps.sql);
  }

  render(caller: Caller): string {
    requireAdmin(caller.identity);
    const sql = this.deps.sql;

    const active = sql
      .exec<{ provider: string; class: string; state: string; n: number }>(
        `SELECT provider, class, state, COUNT(*) AS n FROM leases WHERE state IN ${liveStates}
          GROUP BY provider, class, state ORDER BY provider, class, state`,
      )
      .toArray();
    const deletes = sql
      .exec<{ provider: string; machine_state: string; n: number }>(
        `SELECT provider, machine_state, COUNT(*) AS n FROM leases
          WHERE machine_state IN ('delete_requested', 'delete_failed')
          GROUP BY provider, machine_state ORDER BY provider, machine_state`,
      )
      .toArray();
    const cost = sql
      .exec<{ provider: string; usd: number }>(
        `SELECT provider, SUM(estimated_hourly_usd) AS usd FROM leases WHERE ${billedMachines}
          GROUP BY provider ORDER BY provider`,
      )
      .toArray();
    // Ready pools' machines still in their pool (docs/api.md, "Ready pools"), on the pool index.
    const pools = sql
      .exec<{ provider: string; class: string; region: string; state: string; n: number }>(
        `SELECT provider, class, region, state, COUNT(*) AS n FROM pool_machines
          WHERE state IN ('provisioning', 'ready')
          GROUP BY provider, class, region, state ORDER BY provider, class, region, state`,
      )
      .toArray();
    // The fleet decider records each machine detected once until it is deleted, so open
    // orphans are the difference of the two counts (both on the type index).
    const orphans = sql
      .exec<{ detected: number; deleted: number }>(
        `SELECT (SELECT COUNT(*) FROM events WHERE type = 'OrphanDetected') AS detected,
                (SELECT COUNT(*) FROM events WHERE type = 'OrphanDeleted') AS deleted`,
      )
      .one();

    const families: Family[] = [
      {
        name: "crabbox_leases",
        help: "Live leases (provisioning or active) by provider, class and state.",
        type: "gauge",
        samples: active.map((r) => ({
          labels: { provider: r.provider, class: r.class, state: r.state },
          value: r.n,
        })),
      },
      {
        name: "crabbox_machine_deletes_pending",
        help: "Machines of ended leases whose deletion is requested or being retried.",
        type: "gauge",
        samples: deletes.map((r) => ({
          labels: { provider: r.provider, machine_state: r.machine_state },
          value: r.n,
        })),
      },
      {
        name: "crabbox_pool_machines",
        help: "Ready pools' machines being created (provisioning) or waiting for a lease (ready).",
        type: "gauge",
        samples: pools.map((r) => ({
          labels: { provider: r.provider, class: r.class, region: r.region, state: r.state },
          value: r.n,
        })),
      },
      {
        name: "crabbox_orphans_open",
        help: "Orphan machines the sweep detected and has not deleted yet.",
        type: "gauge",
        samples: [{ value: orphans.detected - orphans.deleted }],
      },
      {
        name: "crabbox_orphans_detected_total",
        help: "Orphan machines the sweep has detected since the log began.",
        type: "counter",
        samples: [{ value: orphans.detected }],
      },
      {
        name: "crabbox_cost_rate_usd_per_hour",
        help: "Estimated hourly price of every machine that costs money now, by provider.",
        type: "gauge",
        samples: cost.map((r) => ({ labels: { provider: r.provider }, value: round4(r.usd) })),
      },
      {
        name: "crabbox_heartbeats_total",
        help: "Lease heartbeats recorded since the log began (rate() gives the heartbeat rate).",
        type: "counter",
        samples: [{ value: this.counters.heartbeatsTotal() }],
      },
      {
        name: "crabbox_event_log_events",
        help: "Events in the log (the sequence number of the newest one).",
        type: "gauge",
        samples: [{ value: this.deps.store.head() }],
      },
      {
        name: "crabbox_archive_lag_seconds",
        help: "How long the oldest stream due for the log archive has waited past its due time.",
        type: "gauge",
        samples: [{ value: Math.round(archiveLagMs(this.deps, this.deps.now()) / 1000) }],
      },
      {
        name: "crabbox_storage_bytes",
        help: "Size of the Fleet Durable Object's SQLite database (log and projections).",
        type: "gauge",
        samples: [{ value: sql.databaseSize }],
      },
    ];
    const text = [
      ...families.map(renderFamily),
      renderHistogram(
        "crabbox_provisioning_seconds",
        "Time from a lease's request to its provisioned machine.",
        this.counters.provisioningLatency(),
      ),
    ];
    return `${text.join("\n")}\n`;
  }
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
