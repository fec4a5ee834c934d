/**
 * The lease aggregate as a decider. Lifecycle:
 *
 *   (request) → provisioning ─ provisioned/adopted → active ─ release → released
 *                    │                                  └──── expire → expired
 *                    ├─ provisioning failed → failed
 *                    └─ release / expire → released / expired (a late machine is deleted)
 *
 * beside it the machine clean-up trail: none → present → (kept | delete_requested →
 * deleted | delete_failed → … retried → deleted). Ended leases never change lifecycle again;
 * releasing or expiring them decides nothing and their timestamps stay as they were.
 */

import { CrabboxError } from "../errors";
import type { LeaseEvent } from "./catalogue";
import { evolveLease } from "./lease-evolve";
import { initialLeaseState, isLeaseLive, type LeaseState, maxIdleTimeoutSeconds } from "./lease-state";
import type { LeaseRequestedData, MachineData } from "./payloads/lease";
import type { MachineClaimedFromPoolData } from "./payloads/pool";
import type { ProvisioningAttempt, ShareRole, TelemetrySample } from "./payloads/shared";
import type { StreamDecider } from "./store-types";

export type LeaseCommand =
  | { type: "RequestLease"; lease: LeaseRequestedData }
  | { type: "RecordMachineProvisioned"; machine: MachineData }
  | {
      type: "RecordProvisioningFailed";
      code: string;
      message: string;
      provisioningAttempts: ProvisioningAttempt[];
    }
  | { type: "Heartbeat"; idleTimeoutSeconds?: number; telemetry?: TelemetrySample }
  | { type: "ChangeShare"; users: Record<string, ShareRole>; org?: ShareRole; changedBy: string }
  | { type: "Release"; delete?: boolean; releasedBy: string }
  | { type: "Expire" }
  | { type: "RequestMachineDelete"; reason: "admin" | "kept_ttl" }
  | { type: "RecordMachineDeleted"; cloudID: string; alreadyGone: boolean }
  | { type: "RecordMachineDeleteFailed"; cloudID: string; message: string; nextAttemptAt: number }
  | { type: "AdoptMachine"; machine: MachineData }
  /** A ready pool machine taken at create time (docs/event-log.md#ready-pools). */
  | { type: "ClaimFromPool"; machine: MachineClaimedFromPoolData };

export { evolveLease };

export function leaseStream(leaseID: string): string {
  return `lease:${leaseID}`;
}

function mustExist(state: LeaseState): void {
  if (!state.exists) throw new CrabboxError("not_found", "lease not found");
}

function mustBeLive(state: LeaseState, action: string): void {
  mustExist(state);
  if (!isLeaseLive(state.state)) {
    throw new CrabboxError("lease_ended", `cannot ${action}: lease ${state.id} is ${state.state}`, {
      leaseID: state.id,
      state: state.state,
    });
  }
}

function illegal(state: LeaseState, action: string): never {
  throw new CrabboxError(
    "illegal_transition",
    `cannot ${action} while the lease is ${state.state} and its machine ${state.machineState}`,
    {
      leaseID: state.id,
      state: state.state,
      machineState: state.machineState,
    },
  );
}

function sameMachine(state: LeaseState, machine: MachineData): boolean {
  return state.cloudID === machine.cloudID;
}

function deleteRequestedFor(
  state: LeaseState,
  reason: "released" | "expired" | "lease_ended_before_provisioned" | "admin" | "kept_ttl",
  cloudID = state.cloudID,
): LeaseEvent[] {
  if (!cloudID) return [];
  return [{ type: "MachineDeleteRequested", data: { cloudID, reason } }];
}

function decideMachineArrival(
  state: LeaseState,
  machine: MachineData,
  eventType: "MachineProvisioned" | "MachineAdopted",
  action: string,
): LeaseEvent[] {
  return decideArrival(state, machine, { type: eventType, data: machine } as LeaseEvent, action);
}

function decideArrival(
  state: LeaseState,
  machine: MachineData,
  event: LeaseEvent,
  action: string,
): LeaseEvent[] {
  mustExist(state);
  if (state.cloudID !== undefined) {
    if (sameMachine(state, machine)) return [];
    illegal(state, `${action} a second machine`);
  }
  if (state.state === "provisioning") return [event];
  // The lease ended while the provider was still working: record the machine, then delete it.
  return [event, ...deleteRequestedFor(state, "lease_ended_before_provisioned", machine.cloudID)];
}

export function decideLease(command: LeaseCommand, state: LeaseState, now: number): LeaseEvent[] {
  switch (command.type) {
    case "RequestLease": {
      if (state.exists) {
        throw new CrabboxError("lease_id_conflict", `lease ${state.id} already exists`, {
          leaseID: state.id,
        });
      }
      return [{ type: "LeaseRequested", data: command.lease }];
    }
    case "RecordMachineProvisioned":
      return decideMachineArrival(state, command.machine, "MachineProvisioned", "record");
    case "ClaimFromPool":
      return decideArrival(
        state,
        command.machine,
        { type: "MachineClaimedFromPool", data: command.machine },
        "claim",
      );
    case "AdoptMachine":
      return decideMachineArrival(state, command.machine, "MachineAdopted", "adopt");
    case "RecordProvisioningFailed": {
      mustExist(state);
      if (state.state === "provisioning") {
        const { code, message, provisioningAttempts } = command;
        return [{ type: "ProvisioningFailed", data: { code, message, provisioningAttempts } }];
      }
      if (!isLeaseLive(state.state)) return [];
      return illegal(state, "record a provisioning failure");
    }
    case "Heartbeat": {
      mustBeLive(state, "heartbeat");
      if (state.state === "provisioning") illegal(state, "heartbeat");
      if (now >= state.expiresAt) {
        throw new CrabboxError("lease_ended", `cannot heartbeat: lease ${state.id} expired`, {
          leaseID: state.id,
          state: "expired",
        });
      }
      const data: { idleTimeoutSeconds?: number; telemetry?: TelemetrySample } = {};
      const idle = command.idleTimeoutSeconds;
      if (idle !== undefined && Number.isFinite(idle) && idle > 0) {
        const clamped = Math.min(Math.trunc(idle), maxIdleTimeoutSeconds);
        if (clamped >= 1 && clamped !== state.idleTimeoutSeconds) data.idleTimeoutSeconds = clamped;
      }
      if (command.telemetry) data.telemetry = command.telemetry;
      return [{ type: "Heartbeat", data }];
    }
    case "ChangeShare": {
      mustBeLive(state, "change the share");
      const current = state.share;
      const unchanged =
        JSON.stringify(sortedEntries(command.users)) ===
          JSON.stringify(sortedEntries(current?.users ?? {})) && command.org === current?.org;
      if (unchanged) return [];
      const data: { users: Record<string, ShareRole>; org?: ShareRole; changedBy: string } = {
        users: command.users,
        changedBy: command.changedBy,
      };
      if (command.org) data.org = command.org;
      return [{ type: "ShareChanged", data }];
    }
    case "Release": {
      mustExist(state);
      if (!isLeaseLive(state.state)) return [];
      const deleteMachine = command.delete ?? !state.keep;
      return [
        { type: "Released", data: { releasedBy: command.releasedBy, deleteMachine } },
        ...(deleteMachine && state.machineState === "present" ? deleteRequestedFor(state, "released") : []),
      ];
    }
    case "Expire": {
      mustExist(state);
      if (!isLeaseLive(state.state) || now < state.expiresAt) return [];
      const ttlEnd = state.createdAt + Math.max(1, state.ttlSeconds) * 1000;
      const reason = state.expiresAt >= ttlEnd ? "ttl" : "idle";
      return [
        { type: "Expired", data: { reason, expiresAt: state.expiresAt } },
        // Expiry deletes the machine even for `keep` leases: keep only protects against release.
        ...(state.machineState === "present" ? deleteRequestedFor(state, "expired") : []),
      ];
    }
    case "RequestMachineDelete": {
      mustExist(state);
      if (isLeaseLive(state.state)) illegal(state, "delete the machine of a live lease (release it first)");
      if (state.machineState === "kept" || state.machineState === "present") {
        return deleteRequestedFor(state, command.reason);
      }
      return [];
    }
    case "RecordMachineDeleted": {
      mustExist(state);
      if (state.machineState === "deleted" && state.cloudID === command.cloudID) return [];
      if (
        (state.machineState === "delete_requested" || state.machineState === "delete_failed") &&
        state.cloudID === command.cloudID
      ) {
        return [
          { type: "MachineDeleted", data: { cloudID: command.cloudID, alreadyGone: command.alreadyGone } },
        ];
      }
      return illegal(state, `record the deletion of machine ${command.cloudID}`);
    }
    case "RecordMachineDeleteFailed": {
      mustExist(state);
      if (
        (state.machineState === "delete_requested" || state.machineState === "delete_failed") &&
        state.cloudID === command.cloudID
      ) {
        return [
          {
            type: "MachineDeleteFailed",
            data: {
              cloudID: command.cloudID,
              attempt: state.deleteAttempts + 1,
              message: command.message,
              nextAttemptAt: command.nextAttemptAt,
            },
          },
        ];
      }
      return illegal(state, `record a failed deletion of machine ${command.cloudID}`);
    }
  }
}

function sortedEntries(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export const leaseDecider: StreamDecider<LeaseState, LeaseCommand, LeaseEvent> = {
  kind: "lease",
  snapshotSchema: 1,
  initialState: initialLeaseState,
  decide: decideLease,
  evolve: evolveLease,
  ownerOf: (state) => (state.exists ? state.owner : null),
};
