import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LeaseListQuery, LeaseRequest, RunFinishRequest } from "../../../src/api";
import { CrabboxError } from "../../../src/errors";
import { parseJson } from "../../../src/worker/http/body";
import { json } from "../../../src/worker/http/json";
import { parseQuery } from "../../../src/worker/http/query";
import { buildRouter, type CrabboxRouter } from "../../../src/worker/router";
import { adminToken, bearer, coordinatorEnv } from "./worker-call";

const seen: unknown[] = [];

/** Routes that exercise the pipeline's helpers the way the real handlers use them. */
function testRoutes(router: CrabboxRouter): void {
  router.post("/t/leases", async (request) => json(201, { lease: await parseJson(request, LeaseRequest) }));
  router.post("/t/optional", async (request) =>
    json(200, await parseJson(request, z.object({ delete: z.boolean().optional() }), { optional: true })),
  );
  router.post("/t/finish", async (request) => json(200, await parseJson(request, RunFinishRequest)), {
    maxBodyBytes: 64,
  });
  router.get("/t/leases", async (request) => json(200, parseQuery(request, LeaseListQuery)));
  router.get("/t/boom", async () => {
    throw new Error("provider said: token=hunter2 at /internal/path");
  });
  router.get("/t/crabbox", async () => {
    throw new CrabboxError("lease_ended", "lease cbx_abcdef123456 has ended", {
      leaseID: "cbx_abcdef123456",
    });
  });
  router.post("/t/ctx/:id", async (_request, ctx) => {
    seen.push(ctx);
    return json(200, { id: ctx.params.id, key: ctx.idempotencyKey ?? null });
  });
  router.public.post(
    "/t/public",
    async (request) => {
      await parseJson(request, z.object({ a: z.string() }));
      return json(200, { ok: true });
    },
    { maxBodyBytes: 16 },
  );
}

const router = buildRouter([testRoutes]);

function call(path: string, init: RequestInit = {}) {
  return router.fetch(new Request(`https://coordinator.test${path}`, init), coordinatorEnv());
}

function post(path: string, body: BodyInit, headers: Record<string, string> = {}) {
  return call(path, {
    method: "POST",
    body,
    headers: bearer(adminToken, { "content-type": "application/json", ...headers }),
  });
}

const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl crabbox";

describe("request bodies", () => {
  it("refuses a declared oversized body with 413 before authenticating or reading it", async () => {
    const res = await call("/t/finish", {
      method: "POST",
      headers: { "content-length": "65", "content-type": "application/json" },
      body: "x".repeat(65),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "body_too_large", limit: 64 });
  });

  it("refuses an oversized streamed body (no Content-Length) as soon as it passes the cap", async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 1000) return controller.close();
        controller.enqueue(new TextEncoder().encode('{"a":"0123456789"}'));
      },
    });
    const res = await call("/t/public", { method: "POST", body: stream });
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThan(10);
  });

  it("answers malformed JSON with a 400 that says so", async () => {
    const res = await post("/t/leases", '{"sshPublicKey": ');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string; field: string };
    expect(body).toMatchObject({ error: "invalid_json", field: "body" });
    expect(body.message).toMatch(/not valid JSON/);
  });

  it("answers a missing required body with a 400, and reads an empty optional body as {}", async () => {
    expect((await post("/t/leases", "")).status).toBe(400);
    const res = await post("/t/optional", "");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
  });

  it("names the field of a wrong type, including nested paths", async () => {
    const cases: Array<[unknown, string]> = [
      [{}, "sshPublicKey"],
      [{ sshPublicKey: "   " }, "sshPublicKey"],
      [{ sshPublicKey: key, ttlSeconds: "1200" }, "ttlSeconds"],
      [{ sshPublicKey: key, capacity: { market: "cheap" } }, "capacity.market"],
      [{ sshPublicKey: key, sshFallbackPorts: ["22", "not-a-port"] }, "sshFallbackPorts[1]"],
      [{ sshPublicKey: key, provider: "gcp" }, "provider"],
      [[1, 2], "body"],
    ];
    for (const [input, field] of cases) {
      const res = await post("/t/leases", JSON.stringify(input));
      expect(res.status, JSON.stringify(input)).toBe(400);
      const body = (await res.json()) as { error: string; field: string; message: string };
      expect(body.error).toBe("invalid_request");
      expect(body.field).toBe(field);
      expect(body.message).toContain(field === "body" ? "body" : field);
    }
  });

  it("answers a malformed leaseID with the reference's invalid_lease_id code", async () => {
    const res = await post("/t/leases", JSON.stringify({ sshPublicKey: key, leaseID: "cbx_XYZ" }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_lease_id", field: "leaseID" });
  });

  it("drops unknown fields and reads Go's nulls as absent", async () => {
    const res = await post(
      "/t/leases",
      JSON.stringify({
        sshPublicKey: ` ${key} `,
        surprise: true,
        awsSSHCIDRs: null,
        sshPort: 2222,
        capacity: null,
      }),
    );
    expect(res.status).toBe(201);
    expect(((await res.json()) as { lease: unknown }).lease).toEqual({ sshPublicKey: key, sshPort: "2222" });
  });

  it("turns Go nil slices in results into empty lists", async () => {
    const res = await call("/t/finish", {
      method: "POST",
      headers: bearer(adminToken),
      body: JSON.stringify({ exitCode: 0, results: { files: null, failed: null } }),
    });
    expect(res.status).toBe(200);
  });
});

describe("query strings", () => {
  it("applies defaults, clamps limits and names bad parameters", async () => {
    const get = (query: string) => call(`/t/leases${query}`, { headers: bearer(adminToken) });
    expect(await (await get("")).json()).toEqual({ limit: 100 });
    expect(await (await get("?limit=9999&state=active")).json()).toEqual({ limit: 500, state: "active" });
    for (const [query, field] of [
      ["?limit=abc", "limit"],
      ["?limit=0", "limit"],
      ["?state=zombie", "state"],
    ]) {
      const res = await get(query as string);
      expect(res.status, query).toBe(400);
      expect(await res.json()).toMatchObject({ error: "invalid_request", field });
    }
  });
});

describe("error mapping", () => {
  it("maps a CrabboxError to its status with code, message and details", async () => {
    const res = await call("/t/crabbox", { headers: bearer(adminToken) });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      error: "lease_ended",
      message: "lease cbx_abcdef123456 has ended",
      leaseID: "cbx_abcdef123456",
    });
  });

  it("answers an unexpected exception with a generic 500 that reveals nothing", async () => {
    const res = await call("/t/boom", { headers: bearer(adminToken) });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: "internal" });
    expect(text).not.toMatch(/hunter2|internal\/path|provider said/);
    expect(text).toContain(res.headers.get("x-request-id") ?? "missing");
  });

  it("authenticates before running a handler", async () => {
    const res = await call("/t/crabbox");
    expect(res.status).toBe(401);
  });
});

describe("the request context", () => {
  it("passes decoded path parameters, the validated Idempotency-Key and a fresh request id", async () => {
    const res = await post("/t/ctx/blue%20lobster", "{}", { "idempotency-key": "retry-1" });
    expect(await res.json()).toEqual({ id: "blue lobster", key: "retry-1" });
    const ctx = seen.at(-1) as { requestId: string; identity: { kind: string } };
    expect(ctx.requestId).toBe(res.headers.get("x-request-id"));
    expect(ctx.identity.kind).toBe("admin");
  });

  it("refuses a malformed Idempotency-Key", async () => {
    const res = await post("/t/ctx/x", "{}", { "idempotency-key": "has spaces inside" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request", field: "Idempotency-Key" });
  });
});
