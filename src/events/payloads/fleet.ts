/** Payloads of the fleet events (stream `fleet`, docs/event-log.md#events). */
import { z } from "zod";

export const orphanDetectedSchema = z.object({
  provider: z.string(),
  cloudID: z.string().min(1),
  name: z.string(),
  region: z.string().optional(),
  /** The machine's crabbox labels (never secrets: labels are sanitised and public). */
  labels: z.record(z.string(), z.string()),
  leaseID: z.string().optional(),
});
export const orphanDeletedSchema = z.object({
  provider: z.string(),
  cloudID: z.string().min(1),
  alreadyGone: z.boolean(),
});
