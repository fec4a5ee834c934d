import { expect, vi } from "vitest";
import { api, freshFleet, later, leaseRequest, uniqueLeaseId, uniqueOwner } from "../../support/fleet-api";

export const localPool = { provider: "local", class: "beast", min: 1, max: 2, maxReadyAgeSeconds: 600 };

/** A fresh fleet with `pools` configured (CRABBOX_POOLS) plus `overrides`. */
export function pooledFleet(pools: unknown[] = [localPool], overrides: Record<string, unknown> = {}) {
  return freshFleet({ CRABBOX_POOLS: JSON.stringify(pools), ...overrides });
}

// biome-ignore lint/suspicious/noExplicitAny: tests read the pool answer loosely
export async function readPools(): Promise<any[]> {
  const res = await api("admin", "GET", "/v1/pool");
  expect(res.status, res.text).toBe(200);
  return res.body.pools;
}

/** Waits until the first pool holds `ready` ready machines (the alarm fills it in the background). */
export async function untilReady(ready: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const [pool] = await readPools();
      expect(pool.ready).toBe(ready);
    },
    // The alarm fills the pool on real time; a loaded CI machine can take seconds per step.
    { timeout: 20_000, interval: 20 },
  );
}

export async function poolEvents(id: string): Promise<string[]> {
  const res = await api("admin", "GET", `/v1/admin/events?stream=${encodeURIComponent(`pool:${id}`)}`);
  expect(res.status, res.text).toBe(200);
  return res.body.events.map((e: { type: string }) => e.type);
}

export async function createLease(extra: Record<string, unknown> = {}) {
  const who = uniqueOwner();
  const leaseID = uniqueLeaseId();
  const res = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID, ...extra }));
  return { who, leaseID, res };
}

/**
 * The Durable Object outlives each test: machines an earlier test left in its pool are
 * expired (`pool_removed`) and deleted before the next one configures its own.
 */
export async function drainPools(): Promise<void> {
  freshFleet({ CRABBOX_POOLS: "[]" });
  await later(0);
  await vi.waitFor(
    async () => {
      const res = await api("admin", "GET", "/v1/admin/events?type=PoolMachineReady&limit=500");
      for (const e of res.body.events as { stream: string }[]) {
        const trail = await api("admin", "GET", `/v1/admin/events?stream=${encodeURIComponent(e.stream)}`);
        const last = trail.body.events.at(-1).type;
        if (!["PoolMachineClaimed", "PoolMachineDeleted"].includes(last)) {
          await later(0);
          throw new Error(`${e.stream} still in the pool (${last})`);
        }
      }
    },
    // The alarm fills the pool on real time; a loaded CI machine can take seconds per step.
    { timeout: 20_000, interval: 20 },
  );
}
