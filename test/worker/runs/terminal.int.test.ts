import { beforeEach, describe, expect, it } from "vitest";
import { api, createLease, freshFleet, later, uniqueOwner } from "../../support/fleet-api";

/**
 * Every run reaches a terminal state whatever happens to its client (issue 13): a run whose
 * SSH failed stayed `running` forever. The alarm ends runs of ended leases and runs with no
 * sign of life (fleet/run-sweep.ts).
 */

beforeEach(() => {
  freshFleet({ CRABBOX_RUN_SILENCE_MS: "600000" });
});

async function runOn(who: { owner: string; org: string }, leaseID: string) {
  const created = await api(who, "POST", "/v1/runs", { leaseID, command: ["make"] });
  expect(created.status, created.text).toBe(201);
  return created.body.run.id as string;
}

describe("a run its client never finishes", () => {
  it("is ended failed by the first alarm after its lease is released, naming why", async () => {
    const who = uniqueOwner();
    const lease = await createLease(who);
    const runID = await runOn(who, lease.id);
    expect((await api(who, "POST", `/v1/leases/${lease.id}/release`, {})).status).toBe(200);
    await later(1_000);
    const run = (await api(who, "GET", `/v1/runs/${runID}`)).body.run;
    expect(run).toMatchObject({ state: "failed", exitCode: -1 });
    const events = (await api(who, "GET", `/v1/runs/${runID}/events`)).body.events as {
      type: string;
      message?: string;
    }[];
    expect(events.map((e) => e.type)).toEqual(["run.started", "run.abandoned", "command.finished"]);
    expect(events[1]?.message).toMatch(new RegExp(`lease ${lease.id} ended \\(released\\)`));
    // Settled once: a late finish from the client is refused, the alarm adds nothing more.
    expect((await api(who, "POST", `/v1/runs/${runID}/finish`, { exitCode: 0 })).status).toBe(409);
    await later(1_000);
    expect((await api(who, "GET", `/v1/runs/${runID}/events`)).body.events).toHaveLength(3);
  });

  it("is ended after the silence window when neither it nor its lease shows a sign of life", async () => {
    const who = uniqueOwner();
    const lease = await createLease(who, { ttlSeconds: 7200, idleTimeoutSeconds: 3600 });
    const runID = await runOn(who, lease.id);
    // Heartbeats on the lease are a sign of life: a long silent command is not ended.
    await later(400_000);
    expect((await api(who, "POST", `/v1/leases/${lease.id}/heartbeat`, {})).status).toBe(200);
    await later(400_000);
    expect((await api(who, "GET", `/v1/runs/${runID}`)).body.run.state).toBe("running");
    await later(300_000);
    const run = (await api(who, "GET", `/v1/runs/${runID}`)).body.run;
    expect(run).toMatchObject({ state: "failed", exitCode: -1 });
    const events = (await api(who, "GET", `/v1/runs/${runID}/events`)).body.events as { message?: string }[];
    expect(events[1]?.message).toMatch(/no sign of life/);
  });

  it("without any lease is ended after the silence window too", async () => {
    const who = uniqueOwner();
    const runID = await runOn(who, "");
    await later(601_000);
    expect((await api(who, "GET", `/v1/runs/${runID}`)).body.run.state).toBe("failed");
  });
});
