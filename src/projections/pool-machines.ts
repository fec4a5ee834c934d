/** The `pool_machines` projection: one row per pool machine, its aggregate state as columns. */
import { eventTypesOn, type PoolEvent } from "../events/catalogue";
import { evolvePool } from "../events/pool-decider";
import { initialPoolMachineState, type PoolMachineState } from "../events/pool-state";
import type { EvolvableEvent } from "../events/types";
import { aggregateRowProjection } from "./aggregate-row";
import { type ColumnKinds, type ColumnSpec, columnsOf, decodeRow, type Row } from "./codec";
import type { Projection } from "./projection";

/** The `pool_machines` row: every field of the pool machine's state but `exists`, one column each. */
const poolColumnKinds: ColumnKinds<PoolMachineState, "exists"> = {
  id: "text",
  provider: "text",
  class: "text",
  region: "text",
  serverType: "text",
  state: "text",
  cloudID: "text?",
  machine: "json?",
  leaseID: "text?",
  estimatedHourlyUSD: "real",
  requestedAt: "int",
  readyAt: "int?",
  endedAt: "int?",
  provisioningDeadlineAt: "int",
  updatedAt: "int",
};
export const poolColumns: readonly ColumnSpec<PoolMachineState>[] = columnsOf(poolColumnKinds);

export function poolMachineFromRow(row: Row): PoolMachineState {
  return decodeRow(row, poolColumns, { ...initialPoolMachineState(), exists: true });
}

export const poolMachinesProjection: Projection = aggregateRowProjection<PoolMachineState>({
  name: "pool_machines",
  table: "pool_machines",
  handles: eventTypesOn("pool"),
  columns: poolColumns,
  idOfStream: (stream) => stream.slice("pool:".length),
  initial: initialPoolMachineState,
  evolve: (state, event) => evolvePool(state, event as EvolvableEvent<PoolEvent>),
  fromRow: poolMachineFromRow,
  exists: (state) => state.exists,
});
