/**
 * Drives the coordinator the way a client does — through the Worker's real `fetch` in workerd —
 * with the fake provider installed in the same isolate as the Fleet Durable Object.
 */

import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { Provider, ProviderName } from "../../src/providers/provider";
import { testSeams } from "../../src/test-seams";
import type { Env } from "../../src/worker/env";
import worker from "../../src/worker/index";
import { FakeProvider } from "./fake-provider";

export const adminToken = "fleet-admin-token-0123456789";
export const sharedToken = "fleet-shared-token-0123456789";

export type Who = "admin" | { owner: string; org?: string; admin?: boolean };

export const sshPublicKey =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@crabbox";

function workerEnv(): Env {
  return {
    ...(env as unknown as Env),
    CRABBOX_ADMIN_TOKEN: adminToken,
    CRABBOX_SHARED_TOKEN: sharedToken,
    CRABBOX_DEFAULT_ORG: "crabclub",
  };
}

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely and assert on them
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

// biome-ignore lint/suspicious/noExplicitAny: see ApiResponse
export async function api<T = any>(
  who: Who,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse<T>> {
  const identity =
    who === "admin"
      ? {
          authorization: `Bearer ${adminToken}`,
          "x-crabbox-owner": "ops@example.com",
          "x-crabbox-org": "crabclub",
        }
      : {
          authorization: `Bearer ${who.admin ? adminToken : sharedToken}`,
          "x-crabbox-owner": who.owner,
          "x-crabbox-org": who.org ?? "crabclub",
        };
  const init: RequestInit = { method, headers: { ...identity, ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await worker.fetch(new Request(`https://coordinator.test${path}`, init), workerEnv());
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // text/plain responses (run logs) stay text
  }
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}

export function fleetStub() {
  return env.FLEET.get(env.FLEET.idFromName("default"));
}

/**
 * Fresh fake providers and settings for one test. The Fleet's clock is never moved back: time
 * only runs forward for the Durable Object, as it does in production.
 */
export function freshFleet(overrides: Record<string, unknown> = {}): {
  local: FakeProvider;
  hetzner: FakeProvider;
} {
  const fakes = { local: new FakeProvider("local"), hetzner: new FakeProvider("hetzner") };
  useFleetProviders(fakes, overrides);
  return fakes;
}

/**
 * Routes the Fleet's providers to `providers` (any other name has none) and resets its settings
 * to the test defaults plus `overrides`.
 */
export function useFleetProviders(
  providers: Partial<Record<ProviderName, Provider>>,
  overrides: Record<string, unknown> = {},
): void {
  testSeams.installProviders((name) => providers[name]);
  testSeams.setEnv({
    CRABBOX_PROVISION_WAIT_MS: "2000",
    CRABBOX_PROVIDER_CALL_TIMEOUT_MS: "2000",
    ...overrides,
  });
}

/** Back to the registry's own providers and the environment's own settings. */
export function restoreFleetProviders(): void {
  testSeams.reset();
}

/** Moves the Fleet's clock forward and runs its alarm (if one is set). */
/** Settings for tests of the orphan sweep: a sweep and a grace period every minute. */
export const minuteOrphanSweep = {
  CRABBOX_ORPHAN_SWEEP_INTERVAL_MS: "60000",
  CRABBOX_ORPHAN_SWEEP_GRACE_MS: "60000",
};

/**
 * Puts real provider modules (talking to a fake cloud API) behind the coordinator, with
 * deadlines long enough for their polling.
 */
export function useRealProviders(
  providers: Parameters<typeof useFleetProviders>[0],
  overrides: Record<string, unknown> = {},
): void {
  useFleetProviders(providers, {
    ...overrides,
    CRABBOX_PROVISION_WAIT_MS: "5000",
    CRABBOX_PROVIDER_CALL_TIMEOUT_MS: "5000",
  });
}

/** Releases a lease with its machine and expects the machine deleted. */
export async function releaseAndExpectDeleted(who: Who, leaseID: string): Promise<void> {
  const released = await api(who, "POST", `/v1/leases/${leaseID}/release`, {});
  expect(released.status, released.text).toBe(200);
  expect(released.body.lease).toMatchObject({ state: "released", machineState: "deleted" });
}

/**
 * A fresh fleet and a lease whose provider create never answers: the create passes its
 * deadline and is abandoned, leaving the lease in `provisioning` for the alarm to reconcile.
 */
export async function abandonedCreate(overrides: Record<string, unknown> = {}) {
  const fakes = freshFleet({
    CRABBOX_PROVISION_WAIT_MS: "20",
    CRABBOX_PROVIDER_CREATE_TIMEOUT_MS: "100",
    CRABBOX_RECONCILE_GRACE_MS: "1000",
    ...overrides,
  });
  const release = fakes.local.hold("create");
  const who = uniqueOwner();
  const leaseID = uniqueLeaseId();
  const res = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
  if (res.status !== 202) throw new Error(`abandonedCreate: expected 202, got ${res.status}: ${res.text}`);
  await new Promise((r) => setTimeout(r, 150));
  release();
  return { fakes, who, leaseID };
}

/** A lease released while its create was open, whose machine turned up late: adopted, then deleted. */
export const lateMachineTrail = [
  "LeaseRequested",
  "Released",
  "MachineAdopted",
  "MachineDeleteRequested",
  "MachineDeleted",
];

/** The types of a lease's events, in order, as `GET /v1/leases/{id}/events` lists them. */
export async function leaseEventTypes(who: Who, leaseID: string): Promise<string[]> {
  return (await api(who, "GET", `/v1/leases/${leaseID}/events`)).body.events.map(
    (e: { type: string }) => e.type,
  );
}

export async function later(ms: number): Promise<boolean> {
  testSeams.advanceClock(ms);
  return runDurableObjectAlarm(fleetStub());
}

let counter = 0;
/** A lease ID no other test in this isolate uses. */
export function uniqueLeaseId(): string {
  counter++;
  const random = Math.floor(Math.random() * 0xffffff);
  return `cbx_${(counter.toString(16) + random.toString(16)).padStart(12, "0").slice(-12)}`;
}

let owners = 0;
export function uniqueOwner(name = "user"): { owner: string; org: string } {
  owners++;
  return { owner: `${name}-${owners}-${Math.floor(Math.random() * 1e6)}@example.com`, org: "crabclub" };
}

export function leaseRequest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { provider: "local", sshPublicKey, ttlSeconds: 3600, idleTimeoutSeconds: 600, ...extra };
}

/** Creates a local lease for `who` through the API (it must answer 201) and returns its record. */
export async function createLease(who: { owner: string; org: string }, extra: Record<string, unknown> = {}) {
  const res = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID: uniqueLeaseId(), ...extra }));
  expect(res.status, res.text).toBe(201);
  return res.body.lease;
}
