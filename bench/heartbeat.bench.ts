/**
 * Heartbeat benchmark (`npm run bench:heartbeat`): round trips through the Worker's real
 * `fetch` (router, body cap, bearer auth, zod validation, RPC into the Fleet Durable Object):
 *   - the baseline: `GET /v1/fleet/health`, the same path into the object doing nothing;
 *   - a heartbeat with telemetry: one decider command appended with its projections, durable
 *     before the answer, the lease record back;
 *   - the floor (bench-only route, bench/worker.ts): the heartbeat's body through the same
 *     path and ONE small durable row written before the answer.
 * One client at a time, then 16 clients at once (one lease each). Each round runs a block of
 * every path back to back; ratios are taken within a round and the median round is reported,
 * so that the machine's drifting load hits the paths alike.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { leaseDecider, leaseStream } from "../src/events/lease-decider";
import type { Env } from "../src/worker/env";
import type { FleetDurableObject } from "../src/worker/fleet";
import { leaseRequest, machine } from "../test/events/fixtures";
import worker from "./worker";

const rounds = 15;
const warmRounds = 2;
const perBlock = 240;
const token = "bench-shared-token-0123456789";
const owner = "bench@example.com";
const clients = 16;
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

/** `parallel` clients, each doing `count` round trips one after another; µs per round trip. */
async function perRequestMicros(
  count: number,
  one: (client: number) => Promise<Response>,
  parallel: number,
): Promise<number> {
  const start = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async (_, client) => {
      for (let i = 0; i < count; i++) {
        const res = await one(client);
        if (res.status !== 200) throw new Error(`unexpected ${res.status}: ${await res.text()}`);
      }
    }),
  );
  return ((performance.now() - start) * 1000) / (count * parallel);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

function recordLease(fleet: FleetDurableObject, leaseID: string): void {
  const now = Date.now();
  const meta = { actor: { kind: "shared" as const, owner, org: "bench" } };
  const execute = (command: Parameters<typeof leaseDecider.decide>[0]) =>
    fleet.store.execute({ stream: leaseStream(leaseID), decider: leaseDecider, command, now, meta });
  const day = 86_400;
  execute({
    type: "RequestLease",
    lease: leaseRequest({
      leaseID,
      slug: `bench-${leaseID.slice(-4)}`,
      owner,
      org: "bench",
      ttlSeconds: day,
      idleTimeoutSeconds: day,
      provisioningDeadlineAt: now + 60_000,
    }),
  });
  execute({ type: "RecordMachineProvisioned", machine: machine({ cloudID: `bench-${leaseID}` }) });
}

it("measures heartbeat round trips against a no-op and a one-row durable write through the same path", async () => {
  const stub = env.FLEET.get(env.FLEET.idFromName("default"));
  // Leases with a machine, recorded straight into the log (no provider needed for heartbeats).
  await runInDurableObject(stub, (fleet: FleetDurableObject) => {
    for (const leaseID of leaseIDs) recordLease(fleet, leaseID);
  });

  let sample = 0;
  const heartbeatBody = () => ({
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
  const paths = {
    noop: () => call("GET", "/v1/fleet/health"),
    heartbeat: (client: number) =>
      call("POST", `/v1/leases/${leaseIDs[client % clients]}/heartbeat`, heartbeatBody()),
    floor: (client: number) =>
      call("POST", `/v1/bench/durable-write/${leaseIDs[client % clients]}`, heartbeatBody()),
  };

  const measure = async (parallel: number) => {
    const each = Math.max(1, Math.round(perBlock / parallel));
    const micros = { noop: [] as number[], heartbeat: [] as number[], floor: [] as number[] };
    const ratios = { heartbeat: [] as number[], floor: [] as number[], overFloor: [] as number[] };
    for (let round = 0; round < warmRounds + rounds; round++) {
      const noop = await perRequestMicros(each, paths.noop, parallel);
      const heartbeat = await perRequestMicros(each, paths.heartbeat, parallel);
      const floor = await perRequestMicros(each, paths.floor, parallel);
      if (round < warmRounds) continue;
      micros.noop.push(noop);
      micros.heartbeat.push(heartbeat);
      micros.floor.push(floor);
      ratios.heartbeat.push(heartbeat / noop);
      ratios.floor.push(floor / noop);
      ratios.overFloor.push(heartbeat / floor);
    }
    return {
      count: rounds * each * parallel,
      rate: (path: keyof typeof micros) => 1e6 / median(micros[path]),
      ratio: (of: keyof typeof ratios) => median(ratios[of]),
    };
  };

  const sequential = await measure(1);
  const concurrent = await measure(clients);
  const line = (label: string, rate: number, ratio?: string) =>
    `  ${label.padEnd(50)}${rate.toFixed(0).padStart(7)} req/s${ratio ? `   ${ratio}` : ""}`;
  const verdict = (ratio: number) =>
    `${ratio.toFixed(2)}x the no-op (target ≤ 2x: ${ratio <= 2 ? "met" : "NOT met"})`;
  const report = (title: string, m: Awaited<ReturnType<typeof measure>>) => [
    `${title} (${m.count} round trips of each, median of ${rounds} rounds):`,
    line("no-op       GET /v1/fleet/health", m.rate("noop")),
    line("heartbeat   POST /v1/leases/{id}/heartbeat", m.rate("heartbeat"), verdict(m.ratio("heartbeat"))),
    line(
      "floor       same body, one durable row, bench-only",
      m.rate("floor"),
      `${m.ratio("floor").toFixed(2)}x the no-op`,
    ),
    `  heartbeat / floor: ${m.ratio("overFloor").toFixed(2)}x`,
  ];
  console.log(
    [
      "",
      "heartbeat bench: Worker fetch → body cap → bearer auth → zod → RPC → Fleet DO (durable before the answer)",
      ...report("one client at a time", sequential),
      ...report(`${clients} clients at once, one lease each`, concurrent),
      "",
    ].join("\n"),
  );
  expect(concurrent.rate("heartbeat")).toBeGreaterThan(0);
});
