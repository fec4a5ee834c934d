/**
 * Heartbeat benchmark (`npm run bench:heartbeat`): round trips through the Worker's real
 * `fetch` (router, bearer auth, zod validation, RPC into the Fleet Durable Object) for
 *   - a heartbeat with telemetry: one decider command appended with its projections, the
 *     lease record with its telemetry ring read back;
 *   - the baseline: `GET /v1/fleet/health`, the same path into the object doing nothing.
 * Prints both rates and the ratio (target: a heartbeat costs at most 2x the no-op request).
 * Blocks of each alternate so that drift in the machine's load hits both alike.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { leaseDecider, leaseStream } from "../src/events/lease-decider";
import type { Env } from "../src/worker/env";
import type { FleetDurableObject } from "../src/worker/fleet";
import worker from "../src/worker/index";

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const perBlock = Number(process.env.BENCH_BLOCK ?? 300);
const token = "bench-shared-token-0123456789";
const owner = "bench@example.com";
const clients = Number(process.env.BENCH_CLIENTS ?? 16);
const leaseIDs = Array.from({ length: clients }, (_, i) => `cbx_0000be0c${i.toString(16).padStart(4, "0")}`);

const workerEnv = { ...(env as unknown as Env), CRABBOX_SHARED_TOKEN: token, CRABBOX_DEFAULT_ORG: "bench" };
const headers = { authorization: `Bearer ${token}`, "x-crabbox-owner": owner, "x-crabbox-org": "bench" };

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = {
    method,
    headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) },
  };
  if (body) init.body = JSON.stringify(body);
  const res = await worker.fetch(new Request(`https://coordinator.bench${path}`, init), workerEnv);
  await res.arrayBuffer();
  return res;
}

/** `parallel` clients, each doing `count` round trips one after another; returns elapsed ms. */
async function timed(
  count: number,
  one: (client: number) => Promise<Response>,
  parallel = 1,
): Promise<number> {
  const start = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async (_, client) => {
      for (let i = 0; i < count; i++) {
        const res = await one(client);
        if (res.status !== 200) throw new Error(`unexpected ${res.status}`);
      }
    }),
  );
  return performance.now() - start;
}

it("measures heartbeat round trips against a no-op round trip through the same path", async () => {
  const stub = env.FLEET.get(env.FLEET.idFromName("default"));
  // A lease with a machine, recorded straight into the log (no provider needed for heartbeats).
  await runInDurableObject(stub, (fleet: FleetDurableObject) => {
    for (const leaseID of leaseIDs) recordLease(fleet, leaseID);
  });
  function recordLease(fleet: FleetDurableObject, leaseID: string): void {
    const now = Date.now();
    const meta = { actor: { kind: "shared" as const, owner, org: "bench" } };
    const execute = (command: Parameters<typeof leaseDecider.decide>[0]) =>
      fleet.store.execute({ stream: leaseStream(leaseID), decider: leaseDecider, command, now, meta });
    execute({
      type: "RequestLease",
      lease: {
        leaseID,
        slug: `bench-${leaseID.slice(-4)}`,
        owner,
        org: "bench",
        provider: "local",
        target: "linux",
        desktop: false,
        browser: false,
        code: false,
        profile: "default",
        class: "beast",
        requestedServerType: "local",
        serverTypeExplicit: false,
        providerOptions: {},
        providerKey: "crabbox-bench",
        sshUser: "crabbox",
        sshPort: "2222",
        sshFallbackPorts: ["22"],
        sshPublicKey: "ssh-ed25519 AAAA bench",
        workRoot: "/work/crabbox",
        keep: false,
        ttlSeconds: 86_400,
        idleTimeoutSeconds: 86_400,
        estimatedHourlyUSD: 0,
        maxEstimatedUSD: 0,
        provisioningDeadlineAt: now + 60_000,
      },
    });
    execute({
      type: "RecordMachineProvisioned",
      machine: {
        cloudID: "bench-1",
        serverID: 0,
        serverName: "crabbox-bench-crab",
        host: "127.0.0.1",
        sshUser: "crabbox",
        sshPort: "2222",
        sshFallbackPorts: ["22"],
        workRoot: "/work/crabbox",
        serverType: "local",
        estimatedHourlyUSD: 0,
        maxEstimatedUSD: 0,
        provisioningAttempts: [],
      },
    });
  }

  let sample = 0;
  const heartbeat = (client: number) =>
    call("POST", `/v1/leases/${leaseIDs[client % leaseIDs.length]}/heartbeat`, {
      telemetry: {
        capturedAt: new Date(Date.now() + sample++).toISOString(),
        source: "bench",
        load1: 1.25,
        load5: 0.9,
        load15: 0.7,
        memoryUsedBytes: 3_000_000_000,
        memoryTotalBytes: 16_000_000_000,
        diskUsedBytes: 40_000_000_000,
        diskTotalBytes: 200_000_000_000,
        uptimeSeconds: 3600,
      },
    });
  const noop = () => call("GET", "/v1/fleet/health");

  // Warm both paths (module load, SQLite pages, JIT).
  await timed(100, noop);
  await timed(100, heartbeat);

  const measure = async (parallel: number) => {
    let noopMs = 0;
    let heartbeatMs = 0;
    const each = Math.max(1, Math.round(perBlock / parallel));
    for (let round = 0; round < rounds; round++) {
      noopMs += await timed(each, noop, parallel);
      heartbeatMs += await timed(each, heartbeat, parallel);
    }
    const count = rounds * each * parallel;
    return {
      count,
      noopRate: (count / noopMs) * 1000,
      heartbeatRate: (count / heartbeatMs) * 1000,
      ratio: heartbeatMs / noopMs,
    };
  };
  const sequential = await measure(1);
  const concurrent = await measure(clients);
  const line = (label: string, rate: number) => `  ${label.padEnd(44)}${rate.toFixed(0).padStart(7)} req/s`;
  const verdict = (ratio: number) => `${ratio.toFixed(2)}x (target ≤ 2x: ${ratio <= 2 ? "met" : "NOT met"})`;
  console.log(
    [
      "",
      "heartbeat bench: Worker fetch → bearer auth → zod → RPC → Fleet DO (→ event + projections, durable)",
      `one client at a time (${sequential.count} round trips each):`,
      line("no-op  GET /v1/fleet/health", sequential.noopRate),
      line("POST /v1/leases/{id}/heartbeat (telemetry)", sequential.heartbeatRate),
      `  heartbeat cost / no-op cost: ${verdict(sequential.ratio)}`,
      `${clients} clients at once, one lease each (${concurrent.count} round trips each):`,
      line("no-op  GET /v1/fleet/health", concurrent.noopRate),
      line("POST /v1/leases/{id}/heartbeat (telemetry)", concurrent.heartbeatRate),
      `  heartbeat cost / no-op cost: ${verdict(concurrent.ratio)}`,
      "",
    ].join("\n"),
  );
  const heartbeatRate = concurrent.heartbeatRate;
  expect(heartbeatRate).toBeGreaterThan(0);
});
