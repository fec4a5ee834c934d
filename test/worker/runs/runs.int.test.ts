import { beforeEach, describe, expect, it } from "vitest";
import { api, freshFleet, leaseRequest, uniqueLeaseId, uniqueOwner } from "../../support/fleet-api";

beforeEach(() => {
  freshFleet();
});

describe("runs", () => {
  it("open with run.started, take events with a per-run seq, and page with after/limit", async () => {
    const who = uniqueOwner();
    const created = await api(who, "POST", "/v1/runs", { leaseID: "", command: ["pnpm", "test"] });
    expect(created.status, created.text).toBe(201);
    const run = created.body.run;
    expect(run).toMatchObject({
      state: "running",
      phase: "starting",
      eventCount: 1,
      command: ["pnpm", "test"],
      leaseID: "",
    });
    expect(run.id).toMatch(/^run_[a-f0-9]{12}$/);

    const leaseID = uniqueLeaseId();
    const e2 = await api(who, "POST", `/v1/runs/${run.id}/events`, {
      type: "lease.created",
      leaseID,
      slug: "blue-prawn",
    });
    expect(e2.status, e2.text).toBe(201);
    expect(e2.body.event).toMatchObject({ runID: run.id, seq: 2, type: "lease.created", leaseID });
    await api(who, "POST", `/v1/runs/${run.id}/events`, {
      type: "stdout",
      stream: "stdout",
      message: "hello\n",
    });
    const page = await api(who, "GET", `/v1/runs/${run.id}/events?after=1&limit=2`);
    expect(page.body.events.map((e: { seq: number }) => e.seq)).toEqual([2, 3]);
    const all = await api(who, "GET", `/v1/runs/${run.id}/events`);
    expect(all.body.events.map((e: { type: string }) => e.type)).toEqual([
      "run.started",
      "lease.created",
      "stdout",
    ]);
    const got = await api(who, "GET", `/v1/runs/${run.id}`);
    expect(got.body.run).toMatchObject({ eventCount: 3, phase: "command", leaseID, slug: "blue-prawn" });
  });

  it("take lease metadata over the client's guesses", async () => {
    const who = uniqueOwner();
    const lease = (
      await api(who, "POST", "/v1/leases", leaseRequest({ leaseID: uniqueLeaseId(), slug: "run-host" }))
    ).body.lease;
    const run = await api(who, "POST", "/v1/runs", {
      leaseID: lease.id,
      provider: "aws",
      class: "tiny",
      serverType: "guess",
    });
    expect(run.body.run).toMatchObject({
      leaseID: lease.id,
      slug: "run-host",
      provider: "local",
      class: "beast",
      serverType: "local",
    });
    const byLease = await api(who, "GET", `/v1/runs?leaseID=${lease.id}`);
    expect(byLease.body.runs.map((r: { id: string }) => r.id)).toEqual([run.body.run.id]);
    const bad = await api(who, "POST", "/v1/runs", { leaseID: "cbx_short" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("invalid_lease_id");
    const foreign = await api(uniqueOwner(), "POST", "/v1/runs", { leaseID: lease.id });
    expect(foreign.status).toBe(404);
  });

  it("keep live telemetry samples and merge them on finish", async () => {
    const who = uniqueOwner();
    const run = (await api(who, "POST", "/v1/runs", {})).body.run;
    await api(who, "POST", `/v1/runs/${run.id}/telemetry`, {
      telemetry: { capturedAt: "2026-11-28T01:00:00Z", load1: 0.4 },
    });
    const second = await api(who, "POST", `/v1/runs/${run.id}/telemetry`, {
      telemetry: { capturedAt: "2026-11-28T01:00:30Z", load1: 0.9 },
    });
    expect(second.body.run.telemetry.start.load1).toBe(0.4);
    const empty = await api(who, "POST", `/v1/runs/${run.id}/telemetry`, { telemetry: { source: "x" } });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toBe("invalid_telemetry");
    const finished = await api(who, "POST", `/v1/runs/${run.id}/finish`, {
      exitCode: 0,
      telemetry: { end: { capturedAt: "2026-11-28T01:01:00Z", load1: 0.1 } },
    });
    expect(finished.body.run.telemetry.samples.map((s: { load1: number }) => s.load1)).toEqual([0.4, 0.9]);
    expect(finished.body.run.telemetry.end.load1).toBe(0.1);
  });

  it("finish with chunked logs beating the fallback tail, results and the state from the exit code", async () => {
    const who = uniqueOwner();
    const run = (await api(who, "POST", "/v1/runs", { command: ["make"] })).body.run;
    const chunk = "x".repeat(60_000);
    const finished = await api(who, "POST", `/v1/runs/${run.id}/finish`, {
      exitCode: 2,
      syncMs: 120,
      commandMs: 4000,
      log: "fallback tail",
      logChunks: [chunk, `${chunk}END`],
      results: {
        format: "junit",
        files: null,
        suites: 1,
        tests: 200,
        failures: 100,
        failed: Array.from({ length: 100 }, (_, i) => ({ suite: "s", name: `t${i}`, kind: "failure" })),
      },
    });
    expect(finished.status, finished.text).toBe(200);
    expect(finished.body.run).toMatchObject({
      state: "failed",
      phase: "failed",
      exitCode: 2,
      logBytes: 120_003,
      syncMs: 120,
    });
    expect(finished.body.run.results.failed).toHaveLength(100);
    expect(finished.body.run.results.files).toEqual([]);
    const logs = await api(who, "GET", `/v1/runs/${run.id}/logs`);
    expect(logs.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(logs.text).toHaveLength(120_003);
    expect(logs.text.endsWith("END")).toBe(true);
    const events = await api(who, "GET", `/v1/runs/${run.id}/events`);
    expect(events.body.events.at(-1)).toMatchObject({
      type: "command.finished",
      phase: "failed",
      exitCode: 2,
    });
    const again = await api(who, "POST", `/v1/runs/${run.id}/finish`, { exitCode: 0 });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe("run_ended");
  });

  it("finish with an artifact list kept in the record, malformed entries dropped", async () => {
    const who = uniqueOwner();
    const run = (await api(who, "POST", "/v1/runs", { command: ["make"] })).body.run;
    const sha = "a".repeat(64);
    const finished = await api(who, "POST", `/v1/runs/${run.id}/finish`, {
      exitCode: 0,
      artifacts: [
        { path: "out/report one.txt", bytes: 12, sha256: sha },
        { path: "no-hash.txt", bytes: 3 },
        { path: "", bytes: 1, sha256: sha },
        ...Array.from({ length: 253 }, (_, i) => ({ path: `many/${i}.log`, bytes: i, sha256: sha })),
      ],
    });
    expect(finished.status, finished.text).toBe(200);
    const artifacts = finished.body.run.artifacts;
    expect(artifacts).toHaveLength(254);
    expect(artifacts[0]).toEqual({ path: "out/report one.txt", bytes: 12, sha256: sha });
    expect(artifacts[1].path).toBe("many/0.log");
    const got = await api(who, "GET", `/v1/runs/${run.id}`);
    expect(got.body.run.artifacts).toEqual(artifacts);
    const listed = await api(who, "GET", "/v1/runs");
    expect(listed.body.runs.find((r: { id: string }) => r.id === run.id).artifacts).toHaveLength(254);
  });

  it("are hidden from other non-admin users, who cannot overwrite their logs", async () => {
    const owner = uniqueOwner();
    const stranger = uniqueOwner("stranger");
    const run = (await api(owner, "POST", "/v1/runs", {})).body.run;
    for (const [method, path, body] of [
      ["GET", `/v1/runs/${run.id}`, undefined],
      ["GET", `/v1/runs/${run.id}/logs`, undefined],
      ["GET", `/v1/runs/${run.id}/events`, undefined],
      ["POST", `/v1/runs/${run.id}/events`, { type: "stdout" }],
      ["POST", `/v1/runs/${run.id}/telemetry`, { telemetry: { load1: 1 } }],
      ["POST", `/v1/runs/${run.id}/finish`, { exitCode: 0, log: "pwned" }],
    ] as const) {
      expect((await api(stranger, method, path, body)).status, `${method} ${path}`).toBe(404);
    }
    expect((await api(owner, "GET", `/v1/runs/${run.id}/logs`)).text).toBe("");
    expect((await api(stranger, "GET", "/v1/runs")).body.runs).toEqual([]);
    expect((await api("admin", "GET", `/v1/runs/${run.id}`)).status).toBe(200);
    // A non-admin's owner filter is ignored: they only ever see their own.
    const spoof = await api(stranger, "GET", `/v1/runs?owner=${encodeURIComponent(owner.owner)}`);
    expect(spoof.body.runs).toEqual([]);
  });

  it("honour Idempotency-Key on create: the same run once; another body under the key is 422", async () => {
    const who = uniqueOwner();
    const headers = { "idempotency-key": `run-${Math.random()}` };
    const first = await api(who, "POST", "/v1/runs", { command: ["a"] }, headers);
    const second = await api(who, "POST", "/v1/runs", { command: ["a"] }, headers);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    const other = await api(who, "POST", "/v1/runs", { command: ["b"] }, headers);
    expect(other.status).toBe(422);
    expect((await api(who, "GET", "/v1/runs")).body.runs).toHaveLength(1);
  });
});
