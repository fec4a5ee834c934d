/** The `leases` projection: one row per lease, the lease aggregate's state as columns. */
import { eventTypesOn, type LeaseEvent } from "../events/catalogue";
import { evolveLease } from "../events/lease-decider";
import { initialLeaseState, type LeaseState } from "../events/lease-state";
import type { EvolvableEvent } from "../events/types";
import { aggregateRowProjection } from "./aggregate-row";
import { type ColumnKinds, type ColumnSpec, columnsOf, decodeRow, type Row } from "./codec";
import type { Projection } from "./projection";

/**
 * The `leases` row: every field of the lease aggregate's state but `exists` (a row exists),
 * one column each, named after the field (docs/event-log.md#projections-and-queries). The
 * state is the one authority; this map is the only list of its columns, and
 * `test/projections/row-columns.int.test.ts` holds it to the migrations' table.
 */
const leaseColumnKinds: ColumnKinds<LeaseState, "exists"> = {
  id: "text",
  slug: "text",
  provider: "text",
  target: "text",
  windowsMode: "text?",
  desktop: "bool",
  browser: "bool",
  code: "bool",
  owner: "text",
  org: "text",
  profile: "text",
  class: "text",
  requestedServerType: "text",
  serverType: "text",
  market: "text?",
  region: "text?",
  providerKey: "text",
  cloudID: "text?",
  serverID: "int",
  serverName: "text",
  host: "text",
  sshUser: "text",
  sshPort: "text",
  sshFallbackPorts: "json",
  workRoot: "text",
  keep: "bool",
  ttlSeconds: "int",
  idleTimeoutSeconds: "int",
  estimatedHourlyUSD: "real",
  maxEstimatedUSD: "real",
  provisioningAttempts: "json",
  capacityHints: "json?",
  share: "json?",
  telemetry: "json?",
  state: "text",
  createdAt: "int",
  updatedAt: "int",
  lastTouchedAt: "int",
  expiresAt: "int",
  provisioningDeadlineAt: "int",
  releasedAt: "int?",
  endedAt: "int?",
  failureCode: "text?",
  failureMessage: "text?",
  machineState: "text",
  deleteAttempts: "int",
  nextDeleteAttemptAt: "int?",
  lastDeleteError: "text?",
};

export const leaseColumns: readonly ColumnSpec<LeaseState>[] = columnsOf(leaseColumnKinds);

export function leaseStateFromRow(row: Row): LeaseState {
  return decodeRow(row, leaseColumns, { ...initialLeaseState(), exists: true });
}

export function leaseIdOfStream(stream: string): string {
  return stream.slice("lease:".length);
}

export const leasesProjection: Projection = aggregateRowProjection<LeaseState>({
  name: "leases",
  table: "leases",
  handles: eventTypesOn("lease"),
  columns: leaseColumns,
  idOfStream: leaseIdOfStream,
  initial: initialLeaseState,
  evolve: (state, event) => evolveLease(state, event as EvolvableEvent<LeaseEvent>),
  fromRow: leaseStateFromRow,
  exists: (state) => state.exists,
});
