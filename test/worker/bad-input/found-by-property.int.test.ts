/**
 * Defects the bad-input property suite (test/property/bad-input.int.prop.test.ts) found, each
 * kept as the case it shrank to: a 400 naming the field or header, nothing appended
 * (docs/api.md, "Bounds").
 */
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { bounds } from "../../../src/api/bounds";
import type { FleetDurableObject } from "../../../src/worker/fleet";
import { api, createLease, fleetStub, freshFleet, leaseRequest, uniqueOwner } from "../../support/fleet-api";

const eventCount = () => runInDurableObject(fleetStub(), (fleet: FleetDurableObject) => fleet.store.head());

async function expectRefused(call: () => ReturnType<typeof api>, field: string): Promise<void> {
  const before = await eventCount();
  const res = await call();
  expect(res.status, res.text).toBe(400);
  expect(res.body).toMatchObject({ error: "invalid_request", field });
  expect(await eventCount()).toBe(before);
}

let who: { owner: string; org: string };
let runID: string;

beforeAll(async () => {
  freshFleet();
  who = uniqueOwner("found");
  const lease = await createLease(who);
  const run = await api(who, "POST", "/v1/runs", { leaseID: lease.id, command: ["true"] });
  expect(run.status, run.text).toBe(201);
  runID = run.body.run.id;
});

describe("identity headers", () => {
  it("refuses an owner longer than an identifier (it was a 500 from the catalogue's check)", async () => {
    const owner = "o".repeat(bounds.identifier + 1);
    await expectRefused(
      () => api({ owner, org: "crabclub" }, "POST", "/v1/leases", leaseRequest()),
      "x-crabbox-owner",
    );
  });

  it("refuses a control character in the owner header", async () => {
    await expectRefused(
      () => api({ owner: "a\u0001b", org: "crabclub" }, "GET", "/v1/leases"),
      "x-crabbox-owner",
    );
  });

  it("refuses a C1 control character in the org header", async () => {
    await expectRefused(
      () => api({ owner: who.owner, org: "crab\u0085club" }, "GET", "/v1/leases"),
      "x-crabbox-org",
    );
  });
});

describe("run bodies", () => {
  it("refuses a run event message past 16 KiB", async () => {
    const message = "m".repeat(bounds.message + 1);
    await expectRefused(
      () => api(who, "POST", `/v1/runs/${runID}/events`, { type: "note", message }),
      "message",
    );
  });

  it("refuses run event data past 16 KiB", async () => {
    const data = "d".repeat(bounds.message + 1);
    await expectRefused(() => api(who, "POST", `/v1/runs/${runID}/events`, { type: "stdout", data }), "data");
  });

  it("refuses more log chunks than the CLI ever sends", async () => {
    const logChunks = Array(bounds.logChunks + 1).fill("x");
    await expectRefused(
      () => api(who, "POST", `/v1/runs/${runID}/finish`, { exitCode: 0, logChunks }),
      "logChunks",
    );
  });

  it("refuses a log chunk past 64 KiB", async () => {
    const logChunks = ["x".repeat(bounds.logChunk + 1)];
    await expectRefused(
      () => api(who, "POST", `/v1/runs/${runID}/finish`, { exitCode: 0, logChunks }),
      "logChunks[0]",
    );
  });

  it("refuses more result files than a run keeps", async () => {
    const results = { files: Array(bounds.resultFiles + 1).fill("junit.xml") };
    await expectRefused(
      () => api(who, "POST", `/v1/runs/${runID}/finish`, { exitCode: 0, results }),
      "results.files",
    );
  });

  it("refuses more artifacts than a run keeps", async () => {
    const artifacts = Array(bounds.artifacts + 1).fill({ path: "a", bytes: 1, sha256: "0".repeat(64) });
    await expectRefused(
      () => api(who, "POST", `/v1/runs/${runID}/finish`, { exitCode: 0, artifacts }),
      "artifacts",
    );
  });
});

describe("admin event filters", () => {
  it("refuses an owner filter with a control character", async () => {
    await expectRefused(() => api("admin", "GET", "/v1/admin/events?owner=a%01b"), "owner");
  });

  it("refuses a type filter longer than an identifier", async () => {
    await expectRefused(
      () => api("admin", "GET", `/v1/admin/events?type=${"t".repeat(bounds.identifier + 1)}`),
      "type",
    );
  });
});
