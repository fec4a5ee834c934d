/**
 * The monthly usage roll-up (docs/event-log.md#usage-roll-up): per UTC month of creation,
 * owner, org, provider and server type, the count, runtime and cents of the leases that ended.
 * A lease adds to it when its usage row says it ended, and moves its contribution if that row
 * changes later; the replay sums the final rows, so both give the same integers.
 */
import type { Row } from "./codec";
import { isLiveUsage, leaseCost } from "./usage-cost";

export interface RollupDelta {
  key: [string, string, string, string, string];
  leases: number;
  runtimeSeconds: number;
  estimatedCents: number;
  reservedCents: number;
}

export function rollupKey(row: Row): RollupDelta["key"] {
  return [
    String(row.month),
    String(row.owner),
    String(row.org),
    String(row.provider),
    String(row.server_type),
  ];
}

/** Adds `sign` times an ended usage row's contribution to `deltas`; a live row adds nothing. */
export function rollupDelta(deltas: Map<string, RollupDelta>, row: Row | undefined, sign: 1 | -1): void {
  if (!row || isLiveUsage(String(row.state))) return;
  const created = Number(row.created_at);
  // An ended lease's cost does not depend on the clock (no end time: no runtime).
  const cost = leaseCost(
    {
      state: String(row.state),
      created_at: created,
      ended_at: row.ended_at === null ? null : Number(row.ended_at),
      estimated_hourly_usd: Number(row.estimated_hourly_usd),
      max_estimated_usd: Number(row.max_estimated_usd),
    },
    created,
  );
  const key = rollupKey(row);
  const id = JSON.stringify(key);
  const delta = deltas.get(id) ?? { key, leases: 0, runtimeSeconds: 0, estimatedCents: 0, reservedCents: 0 };
  delta.leases += sign;
  delta.runtimeSeconds += sign * cost.runtimeSeconds;
  delta.estimatedCents += sign * cost.estimatedCents;
  delta.reservedCents += sign * cost.reservedCents;
  deltas.set(id, delta);
}

/** Applies the deltas to the roll-up table `t`; a group whose count reaches 0 goes. */
export function writeRollup(sql: SqlStorage, t: string, deltas: Map<string, RollupDelta>): void {
  for (const d of deltas.values()) {
    if (d.leases === 0 && d.runtimeSeconds === 0 && d.estimatedCents === 0 && d.reservedCents === 0) continue;
    sql.exec(
      `INSERT INTO ${t} (month, owner, org, provider, server_type, leases, runtime_seconds, estimated_cents, reserved_cents)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (month, owner, org, provider, server_type) DO UPDATE SET
         leases = leases + excluded.leases,
         runtime_seconds = runtime_seconds + excluded.runtime_seconds,
         estimated_cents = estimated_cents + excluded.estimated_cents,
         reserved_cents = reserved_cents + excluded.reserved_cents`,
      ...d.key,
      d.leases,
      d.runtimeSeconds,
      d.estimatedCents,
      d.reservedCents,
    );
    sql.exec(
      `DELETE FROM ${t} WHERE month = ? AND owner = ? AND org = ? AND provider = ? AND server_type = ? AND leases = 0`,
      ...d.key,
    );
  }
}
