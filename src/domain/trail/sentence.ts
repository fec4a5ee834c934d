/**
 * Each logged event as a sentence a person reads (docs/event-log.md#the-trail-as-sentences):
 * the portal's trail and audit page and `crabbox events --lease` print these, with the raw
 * JSON one click (or `--json`) away. Payloads are read at their current schema (the API
 * upcasts on read); one that does not parse is shown by its type and raw data, never dropped.
 */
import type { LogEvent } from "../../api/admin";
import { catalogue, type DataOf, type EventType, isEventType } from "../../events/catalogue";
import { clock, seconds, span, telemetryRange } from "./words";

type Typed = { [T in EventType]: { type: T; data: DataOf<T> } }[EventType];

function typed(event: Pick<LogEvent, "type" | "data">): Typed | undefined {
  if (!isEventType(event.type)) return undefined;
  const parsed = catalogue[event.type].parse.safeParse(event.data);
  return parsed.success ? ({ type: event.type, data: parsed.data } as Typed) : undefined;
}

/** What a sentence may need from the events before it: when the lease was requested. */
export interface SentenceContext {
  requestedAt?: number;
}

function actorOf(meta: unknown): string | undefined {
  const actor = (meta as { actor?: { owner?: unknown; kind?: unknown } } | null)?.actor;
  if (!actor) return undefined;
  return actor.kind === "system" ? "the coordinator" : String(actor.owner ?? "?");
}

const deleteReasons: Record<DataOf<"MachineDeleteRequested">["reason"], string> = {
  released: "the lease was released",
  expired: "the lease expired",
  provisioning_failed: "provisioning failed",
  lease_ended_before_provisioned: "the lease ended before the machine arrived",
  admin: "an admin asked",
  kept_ttl: "the kept machine reached the lease's TTL",
};

const poolExpiryReasons: Record<DataOf<"PoolMachineExpired">["reason"], string> = {
  ready_age: "it stayed unclaimed past the pool's ready age",
  pool_removed: "its pool is no longer configured",
  create_unknown: "the provider never answered its create",
  handover_failed: "the machine could not be handed to the lease that claimed it",
  claim_abandoned: "the lease that claimed it ended before the hand-over",
};

function machineName(machine: DataOf<"MachineProvisioned">): string {
  return machine.serverName || machine.cloudID;
}

function shareText(data: DataOf<"ShareChanged">): string {
  const users = Object.entries(data.users).map(([user, role]) => `${user} (${role})`);
  if (data.org) users.push(`the org (${data.org})`);
  return users.length
    ? `shared by ${data.changedBy} with ${users.join(", ")}`
    : `share cleared by ${data.changedBy}`;
}

function sentenceOf(event: Typed, at: number, meta: unknown, ctx: SentenceContext): string {
  switch (event.type) {
    case "LeaseRequested": {
      const d = event.data;
      const by = actorOf(meta) ?? d.owner;
      return `requested by ${by}: class ${d.class} on ${d.provider}, TTL ${seconds(d.ttlSeconds)}, idle timeout ${seconds(d.idleTimeoutSeconds)}${d.keep ? ", keep the machine" : ""}`;
    }
    case "MachineProvisioned": {
      const after = ctx.requestedAt === undefined ? "" : ` after ${span(at - ctx.requestedAt)}`;
      return `machine ${machineName(event.data)} provisioned at ${event.data.host}${after} (${event.data.serverType}${event.data.region ? ` in ${event.data.region}` : ""})`;
    }
    case "MachineAdopted":
      return `machine ${machineName(event.data)} adopted at ${event.data.host}: reconcile found it after the provider's answer was lost`;
    case "ProvisioningFailed":
      return `provisioning failed (${event.data.code}): ${event.data.message}${event.data.provisioningAttempts.length ? ` after ${event.data.provisioningAttempts.length} attempt(s)` : ""}`;
    case "Heartbeat":
      return heartbeatSentence(1, [event.data]);
    case "ShareChanged":
      return shareText(event.data);
    case "Released":
      return `released by ${event.data.releasedBy}; ${event.data.deleteMachine ? "the machine is to be deleted" : "the machine is kept"}`;
    case "Expired":
      return `expired: ${event.data.reason === "ttl" ? "the TTL" : "the idle timeout"} ran out at ${clock(event.data.expiresAt)}`;
    case "MachineDeleteRequested":
      return `delete of machine ${event.data.cloudID} requested: ${deleteReasons[event.data.reason]}`;
    case "MachineDeleted":
      return event.data.alreadyGone
        ? `machine ${event.data.cloudID} was already gone (the provider answered 404)`
        : `machine ${event.data.cloudID} deleted`;
    case "MachineDeleteFailed":
      return `${event.data.attempt > 1 ? `delete retried (attempt ${event.data.attempt})` : "delete failed"}: ${event.data.message}, next try in ${span(event.data.nextAttemptAt - at)}`;
    case "RunStarted":
      return `run ${event.data.runID} started by ${event.data.owner} on ${event.data.slug}: ${event.data.command.join(" ")}`;
    case "RunEventAppended":
      return `${event.data.type}${event.data.stream ? ` (${event.data.stream})` : ""}${event.data.message ? `: ${event.data.message}` : ""}`;
    case "RunTelemetryRecorded":
      return `run telemetry: ${telemetryRange([event.data.sample]) ?? "no numbers"}`;
    case "RunFinished": {
      const d = event.data;
      const tests = d.results
        ? `, tests ${d.results.tests} (${d.results.failures + d.results.errors} failed)`
        : "";
      return `run ${d.state}: exit ${d.exitCode} after ${span(d.durationMs)}, log ${d.logBytes} bytes${d.logTruncated ? " (tail kept)" : ""}${tests}`;
    }
    case "OrphanDetected":
      return `orphan ${event.data.name} (${event.data.cloudID}) found on ${event.data.provider}${event.data.leaseID ? `, labelled for lease ${event.data.leaseID}` : ""}`;
    case "OrphanDeleted":
      return `orphan ${event.data.cloudID} on ${event.data.provider} ${event.data.alreadyGone ? "was already gone" : "deleted"}`;
    case "MachineClaimedFromPool":
      return `machine ${machineName(event.data)} at ${event.data.host} taken from the ready pool (pool machine ${event.data.poolMachineID}); only this lease's key opens it`;
    case "PoolMachineRequested":
      return `pool machine ${event.data.poolMachineID} requested: class ${event.data.class} on ${event.data.provider}${event.data.region ? ` in ${event.data.region}` : ""} (${event.data.serverType})`;
    case "PoolMachineReady":
      return `pool machine ${machineName(event.data)} ready at ${event.data.host}, waiting for a lease`;
    case "PoolMachineFailed":
      return `pool machine create failed (${event.data.code}): ${event.data.message}`;
    case "PoolMachineClaimed":
      return `claimed by lease ${event.data.leaseID} (machine ${event.data.cloudID})`;
    case "PoolMachineExpired":
      return `pool machine expired: ${poolExpiryReasons[event.data.reason]}${event.data.cloudID ? `; machine ${event.data.cloudID} to be deleted` : ""}`;
    case "PoolMachineDeleted":
      return event.data.alreadyGone
        ? `pool machine ${event.data.cloudID ?? ""} was already gone (the provider answered 404)`.replace(
            "  ",
            " ",
          )
        : `pool machine ${event.data.cloudID ?? ""} deleted`.replace("  ", " ");
    default: {
      const never: never = event;
      return String(never);
    }
  }
}

/** `n heartbeats: load 0.2–0.9, memory 31–40%, idle timeout now 30 min`. */
export function heartbeatSentence(count: number, data: readonly DataOf<"Heartbeat">[]): string {
  const samples = data.flatMap((d) => (d.telemetry ? [d.telemetry] : []));
  const idle = data.flatMap((d) => (d.idleTimeoutSeconds === undefined ? [] : [d.idleTimeoutSeconds])).at(-1);
  const parts = [
    telemetryRange(samples),
    idle === undefined ? undefined : `idle timeout now ${seconds(idle)}`,
  ];
  const details = parts.filter(Boolean).join(", ");
  return `${count === 1 ? "heartbeat" : `${count} heartbeats`}${details ? `: ${details}` : ""}`;
}

/** The event as a sentence; an unknown type or unparsable payload reads `Type {raw json}`. */
export function eventSentence(
  event: Pick<LogEvent, "type" | "data" | "meta" | "at">,
  ctx: SentenceContext = {},
): string {
  const known = typed(event);
  if (!known) return `${event.type} ${JSON.stringify(event.data ?? null)}`;
  return sentenceOf(known, Date.parse(event.at), event.meta, ctx);
}

/** The heartbeat payload of an event, or undefined for any other event. */
export function heartbeatData(event: Pick<LogEvent, "type" | "data">): DataOf<"Heartbeat"> | undefined {
  const known = typed(event);
  return known?.type === "Heartbeat" ? known.data : undefined;
}
