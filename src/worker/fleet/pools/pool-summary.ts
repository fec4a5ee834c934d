import type { ReadyPool } from "../../../api/admin";
import { round2 } from "../../../domain/cost";
import { poolMachinesIn } from "../../../projections/pool-queries";
import type { FleetDeps } from "../deps";

/** The configured pools and what each holds now, as `GET /v1/pool` shows them. */
export function readyPools(deps: FleetDeps): ReadyPool[] {
  return deps.settings.pools.pools.map((pool) => {
    const held = poolMachinesIn(deps.sql, pool, ["provisioning", "ready", "expired"]);
    return {
      provider: pool.provider,
      class: pool.class,
      region: pool.region,
      min: pool.min,
      max: pool.max,
      maxReadyAgeSeconds: Math.round(pool.maxReadyAgeMs / 1000),
      ready: held.filter((m) => m.state === "ready").length,
      provisioning: held.filter((m) => m.state === "provisioning").length,
      hourlyUSD: round2(held.reduce((sum, m) => sum + m.estimatedHourlyUSD, 0)),
      machines: held.map((m) => ({
        id: m.id,
        state: m.state as "provisioning" | "ready" | "expired",
        ...(m.cloudID ? { cloudID: m.cloudID } : {}),
        requestedAt: new Date(m.requestedAt).toISOString(),
        ...(m.readyAt ? { readyAt: new Date(m.readyAt).toISOString() } : {}),
      })),
    };
  });
}
