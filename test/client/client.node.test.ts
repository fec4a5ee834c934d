import { asClientError, createClient, hasErrorCode, isCrabboxError } from "crabbox";
import { afterEach, describe, expect, it } from "vitest";
import { serveOnLoopback } from "../support/loopback-server";

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function coordinator(handler: (request: Request) => Promise<Response>) {
  const server = await serveOnLoopback(handler);
  close = server.close;
  return server.url;
}

describe('the public client (import { createClient } from "crabbox")', () => {
  it("retries an idempotent read through a 503 and validates the answer with the API's schemas", async () => {
    const seen: string[] = [];
    const url = await coordinator(async (request) => {
      seen.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get("authorization")}`);
      if (seen.length === 1) return Response.json({ error: "capacity_unavailable" }, { status: 503 });
      return Response.json({ ok: true, service: "crabbox-coordinator" });
    });
    const client = createClient({ url, token: "tok-123", attempts: 3 });
    expect(await client.health()).toEqual({ ok: true, service: "crabbox-coordinator" });
    expect(seen).toEqual(["GET /v1/health Bearer tok-123", "GET /v1/health Bearer tok-123"]);
  });

  it("sends the Idempotency-Key on POSTs and retries them under the same key", async () => {
    const keys: (string | null)[] = [];
    const url = await coordinator(async (request) => {
      keys.push(request.headers.get("idempotency-key"));
      if (keys.length === 1) return new Response("", { status: 502 });
      return Response.json(
        {
          run: {
            id: "run_0123456789ab",
            leaseID: "cbx_0123456789ab",
            owner: "a@example.com",
            org: "crabclub",
            command: ["true"],
            state: "running",
          },
        },
        { status: 201 },
      );
    });
    const client = createClient({ url, token: "tok", owner: "a@example.com", org: "crabclub" });
    // Only the requests matter here; the stub's run is not a complete record.
    await client
      .createRun({ leaseID: "cbx_0123456789ab", command: ["true"] }, "key-1")
      .catch((error: unknown) => error);
    expect(keys).toEqual(["key-1", "key-1"]);
  });

  it("turns an error answer into a CrabboxError carrying the coordinator's stable code", async () => {
    const url = await coordinator(async () =>
      Response.json({ error: "lease_ended", message: "lease cbx_0123456789ab has ended" }, { status: 409 }),
    );
    const client = createClient({ url, token: "tok" });
    const error = await client.heartbeat("cbx_0123456789ab").catch((e: unknown) => e);
    expect(isCrabboxError(error)).toBe(true);
    expect(hasErrorCode(error, "lease_ended")).toBe(true);
    expect(hasErrorCode(error, "not_found")).toBe(false);
    expect((error as Error).message).toContain("lease cbx_0123456789ab has ended");
  });

  it("gives a failure as the union on its code, with the status and the field the coordinator named", async () => {
    const url = await coordinator(async () =>
      Response.json(
        { error: "invalid_request", message: "ttlSeconds: too big", field: "ttlSeconds" },
        { status: 400 },
      ),
    );
    const error = await createClient({ url, token: "tok" })
      .createLease({ leaseID: "cbx_0123456789ab", sshPublicKey: "ssh-ed25519 AAAA test", ttlSeconds: 1 })
      .catch((e: unknown) => e);
    const failure = asClientError(error);
    expect(failure?.code).toBe("invalid_request");
    expect(failure?.details).toEqual({ status: 400, wireCode: "invalid_request", field: "ttlSeconds" });
    expect(failure?.message).toBe(
      "coordinator POST /v1/leases: ttlSeconds: too big (http 400 invalid_request)",
    );
    expect(asClientError(new Error("not a client failure"))).toBeUndefined();
  });

  it("keeps an unknown code from a newer coordinator as wireCode, with the code its status stands for", async () => {
    const url = await coordinator(async () =>
      Response.json({ error: "quota_frozen", message: "frozen" }, { status: 403 }),
    );
    const failure = asClientError(
      await createClient({ url, token: "tok" })
        .whoami()
        .catch((e: unknown) => e),
    );
    expect(failure?.code).toBe("forbidden");
    expect(failure?.details.wireCode).toBe("quota_frozen");
  });
});
