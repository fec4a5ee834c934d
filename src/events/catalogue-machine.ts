/** The machine payload shared by lease and pool events (docs/event-log.md). */
import { z } from "zod";

export const provisioningAttemptSchema = z.object({
  region: z.string().optional(),
  serverType: z.string(),
  market: z.string().optional(),
  category: z.string().optional(),
  message: z.string(),
});
export type ProvisioningAttempt = z.infer<typeof provisioningAttemptSchema>;

export const capacityHintSchema = z.object({
  code: z.string(),
  message: z.string(),
  action: z.string().optional(),
  region: z.string().optional(),
  market: z.string().optional(),
  class: z.string().optional(),
  serverType: z.string().optional(),
  regionsTried: z.array(z.string()).optional(),
});

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
