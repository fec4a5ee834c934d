/**
 * Lease wire shapes (reference coordinator.md §3.1–§3.7, §4.1), shared by the Worker and the CLI.
 */
import { z } from "zod";
import { providerNames } from "../providers/provider";
import { isoTimestamp, leaseIdField, limitParam, nullAsAbsent, portField, shareRole } from "./shared";
import { TelemetryInput, TelemetrySample } from "./telemetry";

export const ProviderName = z.enum(providerNames);

/** The hard cap the reference applies to TTL and idle timeout, in seconds. */
export const maxLeaseSeconds = 86_400;

/** Seconds as the reference's clients send them: non-negative; 0 means "use the default". */
const seconds = z.number().nonnegative("must not be negative");

const stringList = nullAsAbsent(z.array(z.string()));

export const CapacityRequest = z.object({
  market: z.enum(["spot", "on-demand"]).optional(),
  strategy: z.string().optional(),
  fallback: z.string().optional(),
  regions: stringList,
  availabilityZones: stringList,
  hints: z.boolean().optional(),
});

/**
 * `POST /v1/leases` body. Everything but `sshPublicKey` is optional; defaults and aliases
 * (`slug`/`requestedSlug`, `target`/`targetOS`) are resolved by the coordinator. A `leaseID`
 * is the client's idempotency key, so a malformed one is refused (`invalid_lease_id`) rather
 * than silently replaced as the reference did.
 */
export const LeaseRequest = z.object({
  leaseID: leaseIdField.optional(),
  slug: z.string().optional(),
  requestedSlug: z.string().optional(),
  provider: ProviderName.optional(),
  target: z.string().optional(),
  targetOS: z.string().optional(),
  windowsMode: z.string().optional(),
  desktop: z.boolean().optional(),
  browser: z.boolean().optional(),
  code: z.boolean().optional(),
  keep: z.boolean().optional(),
  tailscale: z.boolean().optional(),
  tailscaleTags: stringList,
  tailscaleHostname: z.string().optional(),
  tailscaleExitNode: z.string().optional(),
  tailscaleExitNodeAllowLanAccess: z.boolean().optional(),
  profile: z.string().optional(),
  class: z.string().optional(),
  serverType: z.string().optional(),
  serverTypeExplicit: z.boolean().optional(),
  location: z.string().optional(),
  image: z.string().optional(),
  awsRegion: z.string().optional(),
  awsAMI: z.string().optional(),
  awsSGID: z.string().optional(),
  awsSubnetID: z.string().optional(),
  awsProfile: z.string().optional(),
  awsRootGB: z.number().int().nonnegative().optional(),
  awsSSHCIDRs: stringList,
  awsMacHostID: z.string().optional(),
  azureLocation: z.string().optional(),
  azureImage: z.string().optional(),
  capacity: nullAsAbsent(CapacityRequest),
  sshUser: z.string().optional(),
  sshPort: portField.optional(),
  sshFallbackPorts: nullAsAbsent(z.array(portField)),
  providerKey: z.string().optional(),
  workRoot: z.string().optional(),
  ttlSeconds: seconds.optional(),
  idleTimeoutSeconds: seconds.optional(),
  sshPublicKey: z.string().trim().min(1, "sshPublicKey is required"),
});
export type LeaseRequest = z.infer<typeof LeaseRequest>;
export type LeaseRequestInput = z.input<typeof LeaseRequest>;

export const LeaseState = z.enum(["provisioning", "active", "released", "expired", "failed"]);
export type LeaseState = z.infer<typeof LeaseState>;

export const LeaseShare = z.object({
  users: z.record(z.string(), shareRole).default({}),
  org: shareRole.optional(),
  updatedAt: isoTimestamp.optional(),
  updatedBy: z.string().optional(),
});
export type LeaseShare = z.infer<typeof LeaseShare>;

export const ProvisioningAttemptRecord = z.object({
  region: z.string().optional(),
  serverType: z.string(),
  market: z.string().optional(),
  category: z.string().optional(),
  message: z.string(),
});

export const CapacityHint = z.object({
  code: z.string(),
  message: z.string(),
  action: z.string().optional(),
  region: z.string().optional(),
  market: z.string().optional(),
  class: z.string().optional(),
  serverType: z.string().optional(),
  regionsTried: z.array(z.string()).optional(),
});

/**
 * The lease as the coordinator returns it (reference §4.1), plus the states and the machine
 * clean-up trail the reference lacked. Optional fields are absent until they are known
 * (e.g. `host` while `provisioning`).
 */
export const LeaseRecord = z.object({
  id: leaseIdField,
  slug: z.string(),
  provider: ProviderName,
  target: z.string(),
  windowsMode: z.string().optional(),
  desktop: z.boolean().optional(),
  browser: z.boolean().optional(),
  code: z.boolean().optional(),
  cloudID: z.string().optional(),
  region: z.string().optional(),
  owner: z.string(),
  org: z.string(),
  share: LeaseShare.optional(),
  profile: z.string().optional(),
  class: z.string().optional(),
  serverType: z.string().optional(),
  requestedServerType: z.string().optional(),
  market: z.string().optional(),
  provisioningAttempts: nullAsAbsent(z.array(ProvisioningAttemptRecord)),
  capacityHints: nullAsAbsent(z.array(CapacityHint)),
  serverID: z.number().optional(),
  serverName: z.string().optional(),
  providerKey: z.string().optional(),
  host: z.string().optional(),
  sshUser: z.string().optional(),
  sshPort: portField.optional(),
  sshFallbackPorts: nullAsAbsent(z.array(portField)),
  workRoot: z.string().optional(),
  keep: z.boolean().optional(),
  ttlSeconds: z.number(),
  idleTimeoutSeconds: z.number(),
  estimatedHourlyUSD: z.number().optional(),
  maxEstimatedUSD: z.number().optional(),
  state: LeaseState,
  /** Why a lease is `failed` (secret-free provider message). */
  failureMessage: z.string().optional(),
  /** Machine clean-up trail: e.g. `running`, `delete_requested`, `deleted`, `delete_failed`. */
  machineState: z.string().optional(),
  deleteAttempts: z.number().optional(),
  nextDeleteAttemptAt: isoTimestamp.optional(),
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
  lastTouchedAt: isoTimestamp,
  expiresAt: isoTimestamp,
  telemetry: nullAsAbsent(TelemetrySample),
  telemetryHistory: nullAsAbsent(z.array(TelemetrySample)),
  releasedAt: isoTimestamp.optional(),
  endedAt: isoTimestamp.optional(),
});
export type LeaseRecord = z.infer<typeof LeaseRecord>;

export const LeaseEnvelope = z.object({ lease: LeaseRecord });
export type LeaseEnvelope = z.infer<typeof LeaseEnvelope>;
export const LeaseListEnvelope = z.object({ leases: z.array(LeaseRecord) });
export type LeaseListEnvelope = z.infer<typeof LeaseListEnvelope>;

/** `GET /v1/leases` query (exact-match filters; limit applied after visibility). */
export const LeaseListQuery = z.object({
  state: LeaseState.optional(),
  owner: z.string().optional(),
  org: z.string().optional(),
  limit: limitParam(100, 500),
});
export type LeaseListQuery = z.infer<typeof LeaseListQuery>;

/** `POST /v1/leases/{id}/heartbeat` body; an absent body is `{}`. */
export const HeartbeatRequest = z.object({
  idleTimeoutSeconds: seconds.optional(),
  telemetry: nullAsAbsent(TelemetryInput),
});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;

/** `POST /v1/leases/{id}/release` (and the admin variant); `delete` defaults to `!keep`. */
export const ReleaseRequest = z.object({ delete: z.boolean().optional() });
export type ReleaseRequest = z.infer<typeof ReleaseRequest>;

/** `PUT /v1/leases/{id}/share`: e-mails are trimmed and lowercased; an empty result clears the share. */
export const SharePutRequest = z.object({
  users: nullAsAbsent(z.record(z.string().trim().toLowerCase().min(1, "user must not be empty"), shareRole)),
  org: shareRole.optional(),
});
export type SharePutRequest = z.infer<typeof SharePutRequest>;

/** `DELETE /v1/leases/{id}/share`: with neither field the whole share is cleared. */
export const ShareDeleteRequest = z.object({
  user: z.string().trim().toLowerCase().min(1, "user must not be empty").optional(),
  org: z.boolean().optional(),
});
export type ShareDeleteRequest = z.infer<typeof ShareDeleteRequest>;

export const ShareResponse = z.object({ leaseID: leaseIdField, share: LeaseShare });
export type ShareResponse = z.infer<typeof ShareResponse>;
