/**
 * Property: for every route in `src/api/openapi/operations.ts` (which a test keeps equal to the
 * router's), whatever malformed body, query, path ID or header a client sends through the
 * Worker's real `fetch`, the coordinator answers a 4xx with a stable error code (and the field,
 * where the defect is in one), never a 5xx and never a stack trace; appends nothing to the event
 * log; and the projections still equal a replay of the log (docs/api.md, "Bounds").
 *
 * The seed is fixed and printed: a failure names it and the shrunk case's path, and
 * `fc.assert(..., { seed, path })` replays it.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Operation, operations } from "../../src/api/openapi/operations";
import { routeErrors } from "../../src/api/openapi/route-errors";
import { errorCodes } from "../../src/errors";
import type { Env } from "../../src/worker/env";
import type { FleetDurableObject } from "../../src/worker/fleet";
import worker from "../../src/worker/index";
import {
  adminToken,
  createLease,
  fleetStub,
  freshFleet,
  restoreFleetProviders,
  sharedToken,
  uniqueOwner,
} from "../support/fleet-api";
import { type BadCase, badCases, hostileHeaderCases, type Ids } from "./bad-input-cases";
import { validBody } from "./valid-bodies";

const seed = 20261203;
const distinct = new Set<string>();
let ids: Ids;
let who: { owner: string; org: string };

function coordinatorEnv(): Env {
  return {
    ...(env as unknown as Env),
    CRABBOX_ADMIN_TOKEN: adminToken,
    CRABBOX_SHARED_TOKEN: sharedToken,
    CRABBOX_DEFAULT_ORG: "crabclub",
    CRABBOX_SESSION_SECRET: "bad-input-session-secret-0123456789",
    // Configured, so that the login routes get as far as reading what they were sent; nothing
    // listens on the discard port, and no malformed request may get that far.
    CRABBOX_GITHUB_CLIENT_ID: "bad-input-client",
    CRABBOX_GITHUB_CLIENT_SECRET: "bad-input-client-secret",
    CRABBOX_GITHUB_ORG: "crabclub",
    CRABBOX_GITHUB_WEB_URL: "http://127.0.0.1:9",
    CRABBOX_GITHUB_API_URL: "http://127.0.0.1:9",
  };
}

function identityFor(op: Operation): Record<string, string> {
  if (op.access === "admin")
    return { authorization: `Bearer ${adminToken}`, "x-crabbox-owner": "ops@example.com" };
  if (op.access === "bearer")
    return { authorization: `Bearer ${sharedToken}`, "x-crabbox-owner": who.owner, "x-crabbox-org": who.org };
  return {};
}

function bodyOf(c: BadCase): BodyInit | undefined {
  if (c.body === undefined || typeof c.body === "string" || c.body instanceof Uint8Array) return c.body;
  const total = c.body.stream;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let pulled = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) return controller.close();
      pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
}

async function send(c: BadCase): Promise<{ status: number; text: string }> {
  const init: RequestInit = { method: c.method, headers: c.headers, redirect: "manual" };
  const body = bodyOf(c);
  if (body !== undefined) init.body = body;
  const res = await worker.fetch(new Request(`https://coordinator.test${c.path}`, init), coordinatorEnv());
  return { status: res.status, text: await res.text() };
}

function eventCount(): Promise<number> {
  return runInDurableObject(fleetStub(), (fleet: FleetDurableObject) => fleet.store.head());
}

function describeCase(c: BadCase): string {
  const body =
    typeof c.body === "string"
      ? c.body.slice(0, 200)
      : c.body instanceof Uint8Array
        ? `${c.body.length} bytes`
        : c.body;
  return `${c.label}: ${c.method} ${c.path.slice(0, 200)} ${JSON.stringify(c.headers).slice(0, 300)} ${JSON.stringify(body)}`;
}

/** What every answer to a malformed request must look like. */
function expectRefused(op: Operation, c: BadCase, status: number, text: string): void {
  const what = `${describeCase(c)} → ${status} ${text.slice(0, 300)}`;
  expect(status, what).toBeLessThan(500);
  expect(text, what).not.toMatch(/\n\s+at |\.ts:\d+|\.js:\d+/);
  if (c.expect === "not5xx") return;
  expect(status, what).toBeGreaterThanOrEqual(400);
  if (c.status !== undefined) expect(status, what).toBe(c.status);
  const answer = JSON.parse(text) as { error?: string; field?: string };
  expect(Object.keys(errorCodes), what).toContain(answer.error);
  expect(errorCodes[answer.error as keyof typeof errorCodes].http, what).toBe(status);
  // The OpenAPI document lists this code for this route (src/api/openapi/route-errors.ts).
  expect(routeErrors(op), `${what}: a code the route's document entry does not list`).toContain(answer.error);
  // A body longer than the route's cap is refused before it is parsed (the login routes take 4 KiB).
  if (answer.error === "body_too_large" && typeof c.body === "string" && c.body.length > 4096) return;
  if (c.field !== undefined) expect(answer.field, what).toBe(c.field);
  else if (status === 400) expect(typeof answer.field, what).toBe("string");
}

/** Cases per route: the routes with a body or query have the most ways to go wrong. */
function runsFor(op: Operation): number {
  if (op.body) return 24;
  if (op.query) return 12;
  return op.path.includes(":id") ? 8 : 4;
}

async function expectReplayMatches(): Promise<void> {
  const replay = await send({
    label: "replay",
    method: "POST",
    path: "/v1/admin/replay",
    headers: { authorization: `Bearer ${adminToken}` },
    expect: "not5xx",
  });
  expect(replay.status, replay.text).toBe(200);
  expect(JSON.parse(replay.text)).toMatchObject({ ok: true, differences: [] });
}

beforeAll(async () => {
  freshFleet();
  who = uniqueOwner("bad-input");
  const lease = await createLease(who);
  const run = await worker.fetch(
    new Request("https://coordinator.test/v1/runs", {
      method: "POST",
      headers: { ...identityFor({ access: "bearer" } as Operation), "content-type": "application/json" },
      body: JSON.stringify({ leaseID: lease.id, command: ["true"] }),
    }),
    coordinatorEnv(),
  );
  expect(run.status).toBe(201);
  ids = {
    lease: lease.id,
    run: ((await run.json()) as { run: { id: string } }).run.id,
    webhook: "wh_0123456789abcdef",
  };
  console.log(`bad-input property suite: seed ${seed}`);
});

afterAll(() => restoreFleetProviders());

describe("every route refuses malformed input", () => {
  for (const [index, op] of operations.entries()) {
    it(`${op.method.toUpperCase()} ${op.path} answers a 4xx and appends nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constant(null).chain(() => badCases(op, ids, identityFor(op))),
          async (c) => {
            distinct.add(describeCase(c));
            const before = await eventCount();
            const { status, text } = await send(c);
            expectRefused(op, c, status, text);
            expect(await eventCount(), `events appended by ${describeCase(c)}`).toBe(before);
          },
        ),
        { seed: seed + index, numRuns: runsFor(op) },
      );
      await expectReplayMatches();
    });
  }

  // The same hostile headers with a body the route accepts: nothing else is wrong, so a route
  // that checked its headers only on the way to refusing a body would act on the request.
  const authenticated = operations.filter(
    (op) => (op.access === "bearer" || op.access === "admin") && op.method !== "get",
  );
  for (const [index, op] of authenticated.entries()) {
    it(`${op.method.toUpperCase()} ${op.path} with a valid body refuses a hostile header and appends nothing`, async () => {
      const body = validBody(op, ids) ?? "";
      if (op.body) {
        expect(body, `test/property/valid-bodies.ts has no body for ${op.method} ${op.path}`).not.toBe("");
        const parsed = op.body.safeParse(JSON.parse(body));
        expect(parsed.success, `${op.path}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      }
      await fc.assert(
        fc.asyncProperty(hostileHeaderCases(op, ids, identityFor(op), body), async (c) => {
          distinct.add(describeCase(c));
          const before = await eventCount();
          const { status, text } = await send(c);
          expectRefused(op, c, status, text);
          expect(await eventCount(), `events appended by ${describeCase(c)}`).toBe(before);
        }),
        { seed: seed + 1000 + index, numRuns: 6 },
      );
      await expectReplayMatches();
    });
  }

  it("covers at least 300 distinct malformed requests in one run", () => {
    console.log(`bad-input property suite: ${distinct.size} distinct malformed requests (seed ${seed})`);
    expect(distinct.size).toBeGreaterThanOrEqual(300);
  });
});
