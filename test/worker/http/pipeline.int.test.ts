import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const base = "http://coordinator";

// The first request loads the whole Worker bundle, which is slow on a busy machine.
describe("the request pipeline", { timeout: 30_000 }, () => {
  it("answers health without a token, with the reference's body and a request id", async () => {
    const res = await exports.default.fetch(`${base}/v1/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(await res.json()).toEqual({ ok: true, service: "crabbox-coordinator" });
  });

  it("answers unknown routes and out-of-scope reference routes with a JSON 404", async () => {
    for (const [method, path] of [
      ["GET", "/v1/nothing-here"],
      ["POST", "/v1/leases/cbx_abcdef123456/webvnc/ticket"],
      ["POST", "/v1/leases/cbx_abcdef123456/code/ticket"],
      ["POST", "/v1/leases/cbx_abcdef123456/egress/ticket"],
      ["POST", "/v1/leases/cbx_abcdef123456/tailscale"],
      ["POST", "/v1/artifacts/uploads"],
      ["POST", "/v1/images"],
      ["GET", "/v1/runners"],
      ["POST", "/v1/health"],
    ] as const) {
      const res = await exports.default.fetch(`${base}${path}`, {
        method,
        headers: { authorization: "Bearer x" },
      });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.json()).toMatchObject({ error: "not_found" });
    }
  });
});
