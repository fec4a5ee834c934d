/**
 * A pool machine as a decider (docs/event-log.md#ready-pools):
 *
 *   requested → provisioning ─ ready → ready ─ claimed (by one lease; its stream owns the machine
 *                    │                   │       once the hand-over put it there)
 *                    │                   │          └─ expired (hand-over failed / lease gone first)
 *                    │                   └──── expired → deleted
 *                    └─ failed (a machine found later for it: expired → deleted)
 *
 * A claimed machine never comes back: its lease deletes it when the lease ends.
 */
import { CrabboxError } from "../errors";
import type { PoolEvent } from "./catalogue";
import type { MachineData } from "./payloads/lease";
import type { PoolMachineRequestedData } from "./payloads/pool";
import { initialPoolMachineState, type PoolMachineState } from "./pool-state";
import type { StreamDecider } from "./store-types";
import type { EvolvableEvent } from "./types";

export type PoolCommand =
  | { type: "RequestPoolMachine"; data: PoolMachineRequestedData }
  | { type: "RecordPoolMachineReady"; machine: MachineData }
  | { type: "RecordPoolMachineFailed"; code: string; message: string }
  | { type: "ClaimPoolMachine"; leaseID: string }
  | {
      type: "ExpirePoolMachine";
      reason: "ready_age" | "pool_removed" | "create_unknown" | "handover_failed" | "claim_abandoned";
      cloudID?: string;
    }
  | { type: "RecordPoolMachineDeleted"; alreadyGone: boolean };

export function poolStream(poolMachineID: string): string {
  return `pool:${poolMachineID}`;
}

function mustExist(state: PoolMachineState): void {
  if (!state.exists) throw new CrabboxError("not_found", "pool machine not found");
}

export function decidePool(command: PoolCommand, state: PoolMachineState, _now: number): PoolEvent[] {
  switch (command.type) {
    case "RequestPoolMachine":
      return state.exists ? [] : [{ type: "PoolMachineRequested", data: command.data }];
    case "RecordPoolMachineReady":
      mustExist(state);
      if (state.cloudID !== undefined) return [];
      if (state.state === "provisioning") return [{ type: "PoolMachineReady", data: command.machine }];
      // Given up on (reconciled as failed) before the provider answered: record it, then delete it.
      return [
        { type: "PoolMachineReady", data: command.machine },
        { type: "PoolMachineExpired", data: { reason: "create_unknown", cloudID: command.machine.cloudID } },
      ];
    case "RecordPoolMachineFailed":
      mustExist(state);
      if (state.state !== "provisioning") return [];
      return [{ type: "PoolMachineFailed", data: { code: command.code, message: command.message } }];
    case "ClaimPoolMachine":
      mustExist(state);
      if (state.state !== "ready" || !state.cloudID) {
        throw new CrabboxError(
          "illegal_transition",
          `pool machine ${state.id} is ${state.state}, not ready`,
          {
            poolMachineID: state.id,
          },
        );
      }
      return [{ type: "PoolMachineClaimed", data: { leaseID: command.leaseID, cloudID: state.cloudID } }];
    case "ExpirePoolMachine": {
      mustExist(state);
      // A claimed machine expires only when its lease never took it (the hand-over failed, or
      // the lease ended first): the caller knows that from the lease stream.
      const claimGone = command.reason === "handover_failed" || command.reason === "claim_abandoned";
      const cloudID =
        state.state === "ready" && !claimGone
          ? state.cloudID
          : state.state === "claimed" && claimGone
            ? state.cloudID
            : state.state === "failed"
              ? command.cloudID
              : undefined;
      if (!cloudID) return [];
      return [{ type: "PoolMachineExpired", data: { reason: command.reason, cloudID } }];
    }
    case "RecordPoolMachineDeleted":
      mustExist(state);
      if (state.state !== "expired") return [];
      return [
        {
          type: "PoolMachineDeleted",
          data: { alreadyGone: command.alreadyGone, ...(state.cloudID ? { cloudID: state.cloudID } : {}) },
        },
      ];
  }
}

export function evolvePool(state: PoolMachineState, event: EvolvableEvent<PoolEvent>): PoolMachineState {
  const at = event.at;
  switch (event.type) {
    case "PoolMachineRequested": {
      const d = event.data;
      return {
        ...initialPoolMachineState(),
        exists: true,
        id: d.poolMachineID,
        provider: d.provider,
        class: d.class,
        region: d.region ?? "",
        serverType: d.serverType,
        requestedAt: at,
        provisioningDeadlineAt: d.provisioningDeadlineAt,
        updatedAt: at,
      };
    }
    case "PoolMachineReady":
      return {
        ...state,
        state: "ready",
        cloudID: event.data.cloudID,
        machine: event.data,
        serverType: event.data.serverType,
        estimatedHourlyUSD: event.data.estimatedHourlyUSD,
        readyAt: at,
        updatedAt: at,
      };
    case "PoolMachineFailed":
      return { ...state, state: "failed", endedAt: at, updatedAt: at };
    case "PoolMachineClaimed":
      return { ...state, state: "claimed", leaseID: event.data.leaseID, endedAt: at, updatedAt: at };
    case "PoolMachineExpired":
      return {
        ...state,
        state: "expired",
        ...(event.data.cloudID ? { cloudID: event.data.cloudID } : {}),
        endedAt: state.endedAt ?? at,
        updatedAt: at,
      };
    case "PoolMachineDeleted":
      return { ...state, state: "deleted", updatedAt: at };
  }
}

export const poolDecider: StreamDecider<PoolMachineState, PoolCommand, PoolEvent> = {
  kind: "pool",
  snapshotSchema: 1,
  initialState: initialPoolMachineState,
  decide: decidePool,
  evolve: evolvePool,
  ownerOf: () => null,
};
