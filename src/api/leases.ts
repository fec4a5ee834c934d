/**
 * Lease wire shapes (docs/api.md#endpoints, docs/api.md#lease-create), shared by the Worker and the CLI.
 */
import { z } from "zod";
import { capacityHintSchema } from "../events/payloads/shared";
import { providerNames } from "../providers/names";
import { boundedArray, bounds, identifierString, sshPublicKeyString } from "./bounds";
import { isoTimestamp, leaseIdField, limitParam, nullAsAbsent, portField, shareRole } from "./shared";
import { TelemetryInput, TelemetrySample } from "./telemetry";

export const ProviderName = z.enum(providerNames);

/** The hard cap the reference applies to TTL and idle timeout, in seconds. */
export const maxLeaseSeconds = 86_400;

/**
 * Seconds as the reference's clients send them: a non-negative integer; 0 means "use the
 * default", values above the cap are clamped. A fraction is refused here: the log records
 * whole seconds (docs/api.md, "Bounds").
 */
const seconds = z.number().int("must be a whole number of seconds").nonnegative("must not be negative");

/** Every string a client sends in a lease request: one bounded line, no control characters. */
const text = identifierString();
const stringList = nullAsAbsent(boundedArray(text));

export const CapacityRequest = z.object({
  market: z.enum(["spot", "on-demand"]).optional(),
  strategy: text.optional(),
  fallback: text.optional(),
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
  slug: identifierString(bounds.slug).optional(),
  requestedSlug: identifierString(bounds.slug).optional(),
  provider: ProviderName.optional(),
  target: text.optional(),
  targetOS: text.optional(),
  windowsMode: text.optional(),
  desktop: z.boolean().optional(),
  browser: z.boolean().optional(),
  code: z.boolean().optional(),
  keep: z.boolean().optional(),
  tailscale: z.boolean().optional(),
  tailscaleTags: stringList,
  tailscaleHostname: text.optional(),
  tailscaleExitNode: text.optional(),
  tailscaleExitNodeAllowLanAccess: z.boolean().optional(),
  profile: text.optional(),
  class: text.optional(),
  serverType: text.optional(),
  serverTypeExplicit: z.boolean().optional(),
  location: text.optional(),
  image: text.optional(),
  awsRegion: text.optional(),
  awsAMI: text.optional(),
  awsSGID: text.optional(),
  awsSubnetID: text.optional(),
  awsProfile: text.optional(),
  awsRootGB: z.number().int().nonnegative().optional(),
  awsSSHCIDRs: stringList,
  awsMacHostID: text.optional(),
  azureLocation: text.optional(),
  azureImage: text.optional(),
  capacity: nullAsAbsent(CapacityRequest),
  sshUser: text.optional(),
  sshPort: portField.optional(),
  sshFallbackPorts: nullAsAbsent(boundedArray(portField)),
  providerKey: text.optional(),
  workRoot: text.optional(),
  ttlSeconds: seconds.optional(),
  idleTimeoutSeconds: seconds.optional(),
  sshPublicKey: sshPublicKeyString,
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

/** The hint the lease's events carry, answered as recorded: one schema for both. */
export const CapacityHint = capacityHintSchema;

/**
 * The lease as the coordinator returns it (docs/api.md#endpoints), with the states and the
 * machine clean-up trail (docs/api.md#heartbeat-release-expiry-clean-up). Optional fields are absent until they are known
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
  owner: identifierString().optional(),
  org: identifierString().optional(),
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
  users: nullAsAbsent(
    z
      .record(identifierString().trim().toLowerCase().min(1, "user must not be empty"), shareRole)
      .refine((users) => Object.keys(users).length <= bounds.listEntries, {
        message: `must have at most ${bounds.listEntries} users`,
      }),
  ),
  org: shareRole.optional(),
});
export type SharePutRequest = z.infer<typeof SharePutRequest>;

/** `DELETE /v1/leases/{id}/share`: with neither field the whole share is cleared. */
export const ShareDeleteRequest = z.object({
  user: identifierString().trim().toLowerCase().min(1, "user must not be empty").optional(),
  org: z.boolean().optional(),
});
export type ShareDeleteRequest = z.infer<typeof ShareDeleteRequest>;

export const ShareResponse = z.object({ leaseID: leaseIdField, share: LeaseShare });
export type ShareResponse = z.infer<typeof ShareResponse>;
