/** The state of one pool machine (stream `pool:<poolMachineID>`, docs/event-log.md#ready-pools). */
import type { MachineData } from "./payloads/lease";

export type PoolMachineLifecycle = "provisioning" | "ready" | "claimed" | "failed" | "expired" | "deleted";

export interface PoolMachineState {
  exists: boolean;
  id: string;
  provider: string;
  class: string;
  /** `""` when the pool has no region (the provider's default). */
  region: string;
  serverType: string;
  state: PoolMachineLifecycle;
  cloudID?: string;
  machine?: MachineData;
  /** The lease that took the machine. */
  leaseID?: string;
  estimatedHourlyUSD: number;
  requestedAt: number;
  readyAt?: number;
  /** When the machine stopped being the pool's: claimed, failed, or expired. */
  endedAt?: number;
  provisioningDeadlineAt: number;
  updatedAt: number;
}

export function initialPoolMachineState(): PoolMachineState {
  return {
    exists: false,
    id: "",
    provider: "",
    class: "",
    region: "",
    serverType: "",
    state: "provisioning",
    estimatedHourlyUSD: 0,
    requestedAt: 0,
    provisioningDeadlineAt: 0,
    updatedAt: 0,
  };
}

/** States in which the machine exists (or may) and the pool pays for it. */
export function poolMachineCosts(state: PoolMachineLifecycle): boolean {
  return state === "provisioning" || state === "ready" || state === "expired";
}
