/** Payloads of the lease events (stream `lease:<leaseID>`, docs/event-log.md#events). */
import { z } from "zod";
import { boundedArray, boundedString, bounds } from "../../api/bounds";
import {
  capacityHintSchema,
  ms,
  provisioningAttemptSchema,
  shareRoleSchema,
  telemetrySampleSchema,
  text,
} from "./shared";

export const leaseRequestedSchema = z.object({
  leaseID: text,
  slug: text,
  owner: text,
  org: text,
  provider: text,
  target: text,
  windowsMode: text.optional(),
  desktop: z.boolean(),
  browser: z.boolean(),
  code: z.boolean(),
  profile: text,
  class: text,
  requestedServerType: text,
  serverTypeExplicit: z.boolean(),
  market: text.optional(),
  region: text.optional(),
  /** Provider-specific, secret-free options the provider needs to create the machine (location, image, AMI…). */
  providerOptions: z.record(text, z.union([text, z.number(), z.boolean(), boundedArray(text)])),
  providerKey: text,
  sshUser: text,
  sshPort: text,
  sshFallbackPorts: boundedArray(text),
  /** Public key installed on the machine; public by nature, never a private key. */
  sshPublicKey: boundedString(bounds.sshPublicKey),
  workRoot: text,
  keep: z.boolean(),
  ttlSeconds: z.number().int().positive(),
  idleTimeoutSeconds: z.number().int().positive(),
  estimatedHourlyUSD: z.number().nonnegative(),
  maxEstimatedUSD: z.number().nonnegative(),
  /** When the coordinator gives up waiting for the provider and reconciles (unix ms). */
  provisioningDeadlineAt: ms,
});
export type LeaseRequestedData = z.infer<typeof leaseRequestedSchema>;

/** Where the machine is and how to reach it; shared by `MachineProvisioned` and `MachineAdopted`. */
export const machineSchema = z.object({
  cloudID: z.string().min(1),
  serverID: z.number().int().nonnegative(),
  serverName: z.string(),
  host: z.string(),
  sshUser: z.string(),
  sshPort: z.string(),
  sshFallbackPorts: z.array(z.string()),
  workRoot: z.string(),
  serverType: z.string(),
  region: z.string().optional(),
  market: z.string().optional(),
  estimatedHourlyUSD: z.number().nonnegative(),
  maxEstimatedUSD: z.number().nonnegative(),
  provisioningAttempts: z.array(provisioningAttemptSchema),
  capacityHints: z.array(capacityHintSchema).optional(),
});
export type MachineData = z.infer<typeof machineSchema>;

export const provisioningFailedSchema = z.object({
  code: z.string(),
  message: z.string(),
  provisioningAttempts: z.array(provisioningAttemptSchema),
});

export const heartbeatSchema = z.object({
  /** New idle timeout, already clamped to (0, 86400]; absent when unchanged. */
  idleTimeoutSeconds: z.number().int().positive().optional(),
  telemetry: telemetrySampleSchema.optional(),
});
/** Schema 1: the wire shape, `capturedAt` as an ISO string. */
export const heartbeatV1Schema = z.object({
  idleTimeoutSeconds: z.number().int().positive().optional(),
  telemetry: telemetrySampleSchema.extend({ capturedAt: z.string() }).optional(),
});

export const shareChangedSchema = z.object({
  users: z.record(text, shareRoleSchema),
  org: shareRoleSchema.optional(),
  changedBy: z.string(),
});

export const releasedSchema = z.object({
  releasedBy: z.string(),
  /** Whether the release asked for the machine to be deleted (`delete` flag, default `!keep`). */
  deleteMachine: z.boolean(),
});

export const expiredSchema = z.object({
  reason: z.enum(["ttl", "idle"]),
  expiresAt: ms,
});

export const machineDeleteReasonSchema = z.enum([
  "released",
  "expired",
  "provisioning_failed",
  "lease_ended_before_provisioned",
  "admin",
  /** A machine kept after its lease's release, deleted at the lease's TTL end all the same. */
  "kept_ttl",
]);
export const machineDeleteRequestedSchema = z.object({
  cloudID: z.string().min(1),
  reason: machineDeleteReasonSchema,
});
export const machineDeletedSchema = z.object({
  cloudID: z.string().min(1),
  /** The provider answered that the machine did not exist (404 counts as deleted). */
  alreadyGone: z.boolean(),
});
export const machineDeleteFailedSchema = z.object({
  cloudID: z.string().min(1),
  attempt: z.number().int().positive(),
  message: z.string(),
  nextAttemptAt: ms,
});
