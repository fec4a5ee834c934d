/**
 * Bodies the coordinator must refuse whatever the route: a streamed (chunked) body past the
 * cap is a 413 on every route, bytes that are not UTF-8 are `400 invalid_json`, and no
 * response carries a stack trace (docs/api.md, "Bounds").
 */
import { describe, expect, it } from "vitest";
import { finishMaxBodyBytes } from "../../../src/worker/routes/fleet-routes";
import {
  api,
  freshFleet,
  leaseRequest,
  sharedToken,
  uniqueLeaseId,
  uniqueOwner,
} from "../../support/fleet-api";
import { adminToken, callWorker } from "../http/worker-call";

const lease = "cbx_0123456789ab";
const run = "run_0123456789ab";

/** Every route that takes a body, public or authenticated. */
const bodyRoutes: Array<[string, string]> = [
  ["POST", "/v1/leases"],
  ["POST", `/v1/leases/${lease}/heartbeat`],
  ["POST", `/v1/leases/${lease}/release`],
  ["PUT", `/v1/leases/${lease}/share`],
  ["DELETE", `/v1/leases/${lease}/share`],
  ["POST", "/v1/runs"],
  ["POST", `/v1/runs/${run}/events`],
  ["POST", `/v1/runs/${run}/telemetry`],
  ["POST", `/v1/runs/${run}/finish`],
  ["POST", `/v1/admin/leases/${lease}/release`],
  ["POST", `/v1/admin/leases/${lease}/delete`],
  ["POST", "/v1/admin/replay"],
  ["POST", "/v1/auth/github/start"],
  ["POST", "/v1/auth/github/poll"],
  ["POST", "/v1/no/such/route"],
];

/** A chunked body of `total` bytes, 64 KiB at a time, counting how much was pulled. */
function streamed(total: number) {
  const state = { pulled: 0 };
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= total) return controller.close();
      state.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { body, state };
}

function expectNoStackTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at |\.ts:\d+|\.js:\d+/);
}

describe("a streamed body past the cap", () => {
  for (const [method, path] of bodyRoutes) {
    it(`is refused with 413 (or 404 for no route) by ${method} ${path}, without reading it all`, async () => {
      const size = path.endsWith("/finish") ? finishMaxBodyBytes + 2 * 1024 * 1024 : 10 * 1024 * 1024;
      const { body, state } = streamed(size);
      const res = await callWorker(path, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body,
      });
      const text = await res.text();
      expectNoStackTrace(text);
      if (path === "/v1/no/such/route") {
        expect(res.status).toBe(404);
        return;
      }
      expect(res.status, text).toBe(413);
      expect(JSON.parse(text)).toMatchObject({ error: "body_too_large" });
      expect(state.pulled).toBeLessThan(size);
    });
  }
});

describe("a body that is not UTF-8", () => {
  it("is refused with 400 invalid_json and does not end the lease", async () => {
    freshFleet();
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    expect((await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }))).status).toBe(201);
    const bytes = new Uint8Array([0x7b, 0x22, 0x64, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]); // {"d\xff\xfe":1}
    const res = await callWorker(
      `/v1/leases/${leaseID}/release`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${sharedToken}`,
          "x-crabbox-owner": who.owner,
          "x-crabbox-org": who.org,
          "content-type": "application/json",
        },
        body: bytes,
      },
      { CRABBOX_SHARED_TOKEN: sharedToken },
    );
    const text = await res.text();
    expect(res.status, text).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: "invalid_json", field: "body" });
    expect((await api(who, "GET", `/v1/leases/${leaseID}`)).body.lease.state).toBe("active");
  });
});
