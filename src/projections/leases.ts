/** The `leases` projection: one row per lease, the lease aggregate's state as columns. */
import type { LeaseEvent } from "../events/catalogue";
import { evolveLease } from "../events/lease-decider";
import { initialLeaseState, type LeaseState } from "../events/lease-state";
import type { EvolvableEvent } from "../events/types";
import { aggregateRowProjection } from "./aggregate-row";
import { type ColumnSpec, column, decodeRow, type Row } from "./codec";
import type { Projection } from "./projection";

export const leaseColumns: readonly ColumnSpec<LeaseState>[] = [
  column("id", "id", "text"),
  column("slug", "slug", "text"),
  column("provider", "provider", "text"),
  column("target", "target", "text"),
  column("windowsMode", "windows_mode", "text", true),
  column("desktop", "desktop", "bool"),
  column("browser", "browser", "bool"),
  column("code", "code", "bool"),
  column("owner", "owner", "text"),
  column("org", "org", "text"),
  column("profile", "profile", "text"),
  column("class", "class", "text"),
  column("requestedServerType", "requested_server_type", "text"),
  column("serverType", "server_type", "text"),
  column("market", "market", "text", true),
  column("region", "region", "text", true),
  column("providerKey", "provider_key", "text"),
  column("cloudID", "cloud_id", "text", true),
  column("serverID", "server_id", "int"),
  column("serverName", "server_name", "text"),
  column("host", "host", "text"),
  column("sshUser", "ssh_user", "text"),
  column("sshPort", "ssh_port", "text"),
  column("sshFallbackPorts", "ssh_fallback_ports", "json"),
  column("workRoot", "work_root", "text"),
  column("keep", "keep", "bool"),
  column("ttlSeconds", "ttl_seconds", "int"),
  column("idleTimeoutSeconds", "idle_timeout_seconds", "int"),
  column("estimatedHourlyUSD", "estimated_hourly_usd", "real"),
  column("maxEstimatedUSD", "max_estimated_usd", "real"),
  column("provisioningAttempts", "provisioning_attempts", "json"),
  column("capacityHints", "capacity_hints", "json", true),
  column("share", "share", "json", true),
  column("telemetry", "telemetry", "json", true),
  column("state", "state", "text"),
  column("createdAt", "created_at", "int"),
  column("updatedAt", "updated_at", "int"),
  column("lastTouchedAt", "last_touched_at", "int"),
  column("expiresAt", "expires_at", "int"),
  column("provisioningDeadlineAt", "provisioning_deadline_at", "int"),
  column("releasedAt", "released_at", "int", true),
  column("endedAt", "ended_at", "int", true),
  column("failureCode", "failure_code", "text", true),
  column("failureMessage", "failure_message", "text", true),
  column("machineState", "machine_state", "text"),
  column("deleteAttempts", "delete_attempts", "int"),
  column("nextDeleteAttemptAt", "next_delete_attempt_at", "int", true),
  column("lastDeleteError", "last_delete_error", "text", true),
];

export function leaseStateFromRow(row: Row): LeaseState {
  return decodeRow(row, leaseColumns, { ...initialLeaseState(), exists: true });
}

const leaseEventTypes = new Set<string>([
  "LeaseRequested",
  "MachineProvisioned",
  "ProvisioningFailed",
  "Heartbeat",
  "ShareChanged",
  "Released",
  "Expired",
  "MachineDeleteRequested",
  "MachineDeleted",
  "MachineDeleteFailed",
  "MachineAdopted",
  "MachineClaimedFromPool",
]);

export function leaseIdOfStream(stream: string): string {
  return stream.slice("lease:".length);
}

export const leasesProjection: Projection = aggregateRowProjection<LeaseState>({
  name: "leases",
  table: "leases",
  handles: leaseEventTypes,
  columns: leaseColumns,
  idOfStream: leaseIdOfStream,
  initial: initialLeaseState,
  evolve: (state, event) => evolveLease(state, event as EvolvableEvent<LeaseEvent>),
  fromRow: leaseStateFromRow,
  exists: (state) => state.exists,
});
