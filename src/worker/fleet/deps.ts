import { type LeaseCommand, leaseDecider, leaseStream } from "../../events/lease-decider";
import type { EventStore } from "../../events/store";
import type { EventMeta } from "../../events/types";
import type { ConnectSocket } from "../../providers/pool-agent/http";
import type { Provider, ProviderName } from "../../providers/provider";
import { providerFor } from "../../providers/registry";
import { withTestEnv } from "../../test-seams";
import { fleetClock } from "./clock";
import type { Caller } from "./rpc";
import { type FleetSettings, fleetSettings } from "./settings";

/** What every Fleet service shares: storage, the event store, settings, providers, the clock. */
export interface FleetDeps {
  storage: DurableObjectStorage;
  sql: SqlStorage;
  store: EventStore;
  env: Record<string, unknown>;
  settings: FleetSettings;
  provider(name: string): Provider;
  now(): number;
}

/**
 * `connect` opens raw TCP to cloud pool machines' agents (the Durable Object passes the
 * Worker's `cloudflare:sockets`, src/worker/agent-socket.ts; it stays out of this module so
 * that Node can load the routes); without it no cloud provider reaches a pool agent.
 */
export function fleetDeps(
  storage: DurableObjectStorage,
  store: EventStore,
  baseEnv: Record<string, unknown>,
  connect?: ConnectSocket,
): FleetDeps {
  // Tests may layer variables over the environment (src/test-seams.ts, test mode only).
  const env = () => withTestEnv(baseEnv);
  return {
    storage,
    sql: storage.sql,
    store,
    get env() {
      return env();
    },
    get settings() {
      return fleetSettings(env());
    },
    provider: (name) => providerFor(name as ProviderName, env(), connect),
    now: () => fleetClock.now(baseEnv),
  };
}

/** Decides one command on a lease's stream at the Fleet's current time. */
export function executeLeaseCommand(
  deps: FleetDeps,
  leaseID: string,
  command: LeaseCommand,
  meta: EventMeta,
  now = deps.now(),
) {
  return deps.store.execute({
    stream: leaseStream(leaseID),
    decider: leaseDecider,
    command,
    now,
    meta,
  });
}

export function callerMeta(caller: Caller): EventMeta {
  const { kind, owner, org } = caller.identity;
  return { actor: { kind, owner, org }, requestId: caller.requestId };
}

/** Work the coordinator does on its own (alarm, reconcile, clean-up). */
export function systemMeta(requestId: string, causationId?: string): EventMeta {
  return {
    actor: { kind: "system", owner: "crabbox", org: "crabbox" },
    requestId,
    ...(causationId ? { causationId } : {}),
  };
}

/** A provider failure as a client may read it: the provider's own `CrabboxError` text, else a generic line. */
export function safeProviderMessage(error: unknown, what: string): { code: string; message: string } {
  if (error !== null && typeof error === "object" && (error as { name?: unknown }).name === "CrabboxError") {
    const e = error as { code: string; message: string };
    return { code: e.code, message: e.message };
  }
  return { code: "provider_error", message: `${what} failed` };
}
