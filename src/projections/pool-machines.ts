/** The `pool_machines` projection: one row per pool machine, its aggregate state as columns. */
import type { PoolEvent } from "../events/catalogue";
import { evolvePool } from "../events/pool-decider";
import { initialPoolMachineState, type PoolMachineState } from "../events/pool-state";
import type { EvolvableEvent } from "../events/types";
import { aggregateRowProjection } from "./aggregate-row";
import { type ColumnSpec, column, decodeRow, type Row } from "./codec";
import type { Projection } from "./projection";

const poolColumns: readonly ColumnSpec<PoolMachineState>[] = [
  column("id", "id", "text"),
  column("provider", "provider", "text"),
  column("class", "class", "text"),
  column("region", "region", "text"),
  column("serverType", "server_type", "text"),
  column("state", "state", "text"),
  column("cloudID", "cloud_id", "text", true),
  column("machine", "machine", "json", true),
  column("leaseID", "lease_id", "text", true),
  column("estimatedHourlyUSD", "estimated_hourly_usd", "real"),
  column("requestedAt", "requested_at", "int"),
  column("readyAt", "ready_at", "int", true),
  column("endedAt", "ended_at", "int", true),
  column("provisioningDeadlineAt", "provisioning_deadline_at", "int"),
  column("updatedAt", "updated_at", "int"),
];

export function poolMachineFromRow(row: Row): PoolMachineState {
  return decodeRow(row, poolColumns, { ...initialPoolMachineState(), exists: true });
}

export const poolMachinesProjection: Projection = aggregateRowProjection<PoolMachineState>({
  name: "pool_machines",
  table: "pool_machines",
  handles: new Set([
    "PoolMachineRequested",
    "PoolMachineReady",
    "PoolMachineFailed",
    "PoolMachineClaimed",
    "PoolMachineExpired",
    "PoolMachineDeleted",
  ]),
  columns: poolColumns,
  idOfStream: (stream) => stream.slice("pool:".length),
  initial: initialPoolMachineState,
  evolve: (state, event) => evolvePool(state, event as EvolvableEvent<PoolEvent>),
  fromRow: poolMachineFromRow,
  exists: (state) => state.exists,
});
