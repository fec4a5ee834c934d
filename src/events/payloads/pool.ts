/**
 * Payloads of the ready-pool events (docs/event-log.md#ready-pools). A pool machine lives in
 * its own stream `pool:<poolMachineID>`; the lease that takes it records
 * `MachineClaimedFromPool` in its own stream. No payload carries a secret: pool machines are
 * created with a throw-away public key whose private half the coordinator never keeps.
 */
import { z } from "zod";
import { machineSchema } from "./lease";

const ms = z.number().int().nonnegative();

/** The intent, logged before every create: which pool, and when the coordinator gives up. */
export const poolMachineRequestedSchema = z.object({
  poolMachineID: z.string().min(1),
  provider: z.string(),
  class: z.string(),
  region: z.string().optional(),
  serverType: z.string(),
  /** When an unanswered create is reconciled against the provider (unix ms). */
  provisioningDeadlineAt: ms,
});
export type PoolMachineRequestedData = z.infer<typeof poolMachineRequestedSchema>;

/** The provider answered the create: the machine is booted and its SSH server listens. */
export const poolMachineReadySchema = machineSchema;

export const poolMachineFailedSchema = z.object({ code: z.string(), message: z.string() });

/** Which lease took the machine (the pool stream's side of a claim). */
export const poolMachineClaimedSchema = z.object({ leaseID: z.string().min(1), cloudID: z.string().min(1) });

export const poolMachineExpiredSchema = z.object({
  reason: z.enum(["ready_age", "pool_removed", "create_unknown", "handover_failed", "claim_abandoned"]),
  cloudID: z.string().min(1).optional(),
});

export const poolMachineDeletedSchema = z.object({
  cloudID: z.string().min(1).optional(),
  alreadyGone: z.boolean(),
});

/** The lease's side of a claim: the machine it took, like `MachineProvisioned`, plus where from. */
export const machineClaimedFromPoolSchema = machineSchema.extend({ poolMachineID: z.string().min(1) });
export type MachineClaimedFromPoolData = z.infer<typeof machineClaimedFromPoolSchema>;
