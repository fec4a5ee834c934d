/**
 * Wire shapes of the local machine host's HTTP API. Shared by the host (Node) and by
 * `LocalProvider` (which also runs inside workerd), so this file imports nothing from Node.
 */
import { z } from "zod";

const labelValue = z.string().max(63);

export const createMachineRequest = z.object({
  name: z.string().min(1).max(120),
  labels: z.record(z.string().min(1).max(63), labelValue),
  sshPublicKey: z.string().trim().min(1).max(16_384),
  serverType: z.string().min(1).max(63).default("local"),
});
export type CreateMachineRequest = z.input<typeof createMachineRequest>;

export const updateLabelsRequest = z.object({
  labels: z.record(z.string().min(1).max(63), labelValue),
});

/** `PUT /v1/machines/{id}/authorized-key`: the lease key that replaces the machine's only key. */
export const authorizeKeyRequest = z.object({ sshPublicKey: z.string().trim().min(1).max(16_384) });

export const machineStatuses = ["bootstrapping", "running", "stopped"] as const;

export const localMachine = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(machineStatuses),
  /** True once bootstrap has written `crabbox-ready` (what the CLI checks over SSH). */
  ready: z.boolean(),
  host: z.string(),
  sshPort: z.number().int(),
  sshUser: z.string(),
  workRoot: z.string(),
  serverType: z.string(),
  labels: z.record(z.string(), z.string()),
  /** ISO 8601. */
  createdAt: z.string(),
});
export type LocalMachine = z.infer<typeof localMachine>;

export const machineResponse = z.object({ machine: localMachine });
export const machineListResponse = z.object({ machines: z.array(localMachine) });
