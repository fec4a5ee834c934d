/** How each lease event changes the lease's state (the `evolve` half of the lease decider). */
import { leaseExpiresAt } from "../domain/expiry";
import type { LeaseEvent } from "./catalogue";
import { initialLeaseState, type LeaseState } from "./lease-state";
import type { MachineData } from "./payloads/lease";
import type { EvolvableEvent } from "./types";

function withMachine(state: LeaseState, machine: MachineData, at: number): LeaseState {
  const next: LeaseState = {
    ...state,
    cloudID: machine.cloudID,
    serverID: machine.serverID,
    serverName: machine.serverName,
    host: machine.host,
    sshUser: machine.sshUser,
    sshPort: machine.sshPort,
    sshFallbackPorts: machine.sshFallbackPorts,
    workRoot: machine.workRoot,
    serverType: machine.serverType,
    estimatedHourlyUSD: machine.estimatedHourlyUSD,
    maxEstimatedUSD: machine.maxEstimatedUSD,
    provisioningAttempts: machine.provisioningAttempts,
    machineState: "present",
    updatedAt: at,
  };
  if (machine.region !== undefined) next.region = machine.region;
  if (machine.market !== undefined) next.market = machine.market;
  if (machine.capacityHints !== undefined) next.capacityHints = machine.capacityHints;
  if (state.state === "provisioning") {
    // The idle clock starts when the machine is usable; the TTL still counts from the request.
    next.state = "active";
    next.lastTouchedAt = at;
    next.expiresAt = leaseExpiresAt(state.createdAt, at, state.ttlSeconds, state.idleTimeoutSeconds);
  }
  return next;
}

export function evolveLease(state: LeaseState, event: EvolvableEvent<LeaseEvent>): LeaseState {
  const at = event.at;
  switch (event.type) {
    case "LeaseRequested": {
      const d = event.data;
      const next: LeaseState = {
        ...initialLeaseState(),
        exists: true,
        id: d.leaseID,
        slug: d.slug,
        provider: d.provider,
        target: d.target,
        desktop: d.desktop,
        browser: d.browser,
        code: d.code,
        owner: d.owner,
        org: d.org,
        profile: d.profile,
        class: d.class,
        requestedServerType: d.requestedServerType,
        serverType: d.requestedServerType,
        providerKey: d.providerKey,
        sshUser: d.sshUser,
        sshPort: d.sshPort,
        sshFallbackPorts: d.sshFallbackPorts,
        workRoot: d.workRoot,
        keep: d.keep,
        ttlSeconds: d.ttlSeconds,
        idleTimeoutSeconds: d.idleTimeoutSeconds,
        estimatedHourlyUSD: d.estimatedHourlyUSD,
        maxEstimatedUSD: d.maxEstimatedUSD,
        state: "provisioning",
        createdAt: at,
        updatedAt: at,
        lastTouchedAt: at,
        expiresAt: leaseExpiresAt(at, at, d.ttlSeconds, d.idleTimeoutSeconds),
        provisioningDeadlineAt: d.provisioningDeadlineAt,
      };
      if (d.windowsMode !== undefined) next.windowsMode = d.windowsMode;
      if (d.market !== undefined) next.market = d.market;
      if (d.region !== undefined) next.region = d.region;
      return next;
    }
    case "MachineProvisioned":
    case "MachineAdopted":
    case "MachineClaimedFromPool":
      return withMachine(state, event.data, at);
    case "ProvisioningFailed":
      return {
        ...state,
        state: "failed",
        updatedAt: at,
        endedAt: at,
        failureCode: event.data.code,
        failureMessage: event.data.message,
        provisioningAttempts: event.data.provisioningAttempts,
      };
    case "Heartbeat": {
      const idle = event.data.idleTimeoutSeconds ?? state.idleTimeoutSeconds;
      const next: LeaseState = {
        ...state,
        idleTimeoutSeconds: idle,
        lastTouchedAt: at,
        updatedAt: at,
        expiresAt: leaseExpiresAt(state.createdAt, at, state.ttlSeconds, idle),
      };
      if (event.data.telemetry) next.telemetry = event.data.telemetry;
      return next;
    }
    case "ShareChanged": {
      const { users, org, changedBy } = event.data;
      const next: LeaseState = { ...state, updatedAt: at };
      if (Object.keys(users).length === 0 && org === undefined) delete next.share;
      else
        next.share =
          org === undefined
            ? { users, updatedAt: at, updatedBy: changedBy }
            : { users, org, updatedAt: at, updatedBy: changedBy };
      return next;
    }
    case "Released":
      return {
        ...state,
        state: "released",
        updatedAt: at,
        releasedAt: at,
        endedAt: at,
        machineState:
          !event.data.deleteMachine && state.machineState === "present" ? "kept" : state.machineState,
      };
    case "Expired":
      return { ...state, state: "expired", updatedAt: at, endedAt: at };
    case "MachineDeleteRequested":
      return { ...state, machineState: "delete_requested", updatedAt: at };
    case "MachineDeleted": {
      const next: LeaseState = { ...state, machineState: "deleted", updatedAt: at };
      delete next.nextDeleteAttemptAt;
      return next;
    }
    case "MachineDeleteFailed":
      return {
        ...state,
        machineState: "delete_failed",
        deleteAttempts: event.data.attempt,
        nextDeleteAttemptAt: event.data.nextAttemptAt,
        lastDeleteError: event.data.message,
        updatedAt: at,
      };
  }
}
