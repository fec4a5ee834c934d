/**
 * The lease aggregate's state: everything the lease record shows, folded from its events.
 * Timestamps are unix ms. This state is the one authority for a lease: the stream snapshot
 * is it serialised and the `leases` row is it column by column (docs/event-log.md#projections-and-queries).
 */
import type { ProvisioningAttempt, ShareRole, TelemetrySample } from "./payloads/shared";

export type LeaseLifecycle = "provisioning" | "active" | "released" | "expired" | "failed";

/**
 * Where the lease's machine stands, independent of the lease: `none` (no machine known yet),
 * `present` (running, owned by a live lease), `kept` (lease ended with `keep`, machine left
 * running on purpose), `delete_requested`, `delete_failed` (retried at `nextDeleteAttemptAt`),
 * `deleted`.
 */
export type MachineState = "none" | "present" | "kept" | "delete_requested" | "delete_failed" | "deleted";

export interface LeaseShare {
  users: Record<string, ShareRole>;
  org?: ShareRole;
  updatedAt: number;
  updatedBy: string;
}

export interface LeaseState {
  exists: boolean;
  id: string;
  slug: string;
  provider: string;
  target: string;
  windowsMode?: string;
  desktop: boolean;
  browser: boolean;
  code: boolean;
  owner: string;
  org: string;
  profile: string;
  class: string;
  requestedServerType: string;
  serverType: string;
  market?: string;
  region?: string;
  providerKey: string;
  cloudID?: string;
  serverID: number;
  serverName: string;
  host: string;
  sshUser: string;
  sshPort: string;
  sshFallbackPorts: string[];
  workRoot: string;
  keep: boolean;
  ttlSeconds: number;
  idleTimeoutSeconds: number;
  estimatedHourlyUSD: number;
  maxEstimatedUSD: number;
  provisioningAttempts: ProvisioningAttempt[];
  capacityHints?: unknown[];
  share?: LeaseShare;
  telemetry?: TelemetrySample;
  state: LeaseLifecycle;
  createdAt: number;
  updatedAt: number;
  lastTouchedAt: number;
  expiresAt: number;
  provisioningDeadlineAt: number;
  releasedAt?: number;
  endedAt?: number;
  failureCode?: string;
  failureMessage?: string;
  machineState: MachineState;
  deleteAttempts: number;
  nextDeleteAttemptAt?: number;
  lastDeleteError?: string;
}

export const maxIdleTimeoutSeconds = 86_400;

export function isLeaseLive(state: LeaseLifecycle): boolean {
  return state === "provisioning" || state === "active";
}

export function initialLeaseState(): LeaseState {
  return {
    exists: false,
    id: "",
    slug: "",
    provider: "",
    target: "",
    desktop: false,
    browser: false,
    code: false,
    owner: "",
    org: "",
    profile: "",
    class: "",
    requestedServerType: "",
    serverType: "",
    providerKey: "",
    serverID: 0,
    serverName: "",
    host: "",
    sshUser: "",
    sshPort: "",
    sshFallbackPorts: [],
    workRoot: "",
    keep: false,
    ttlSeconds: 0,
    idleTimeoutSeconds: 0,
    estimatedHourlyUSD: 0,
    maxEstimatedUSD: 0,
    provisioningAttempts: [],
    state: "provisioning",
    createdAt: 0,
    updatedAt: 0,
    lastTouchedAt: 0,
    expiresAt: 0,
    provisioningDeadlineAt: 0,
    machineState: "none",
    deleteAttempts: 0,
  };
}
