import { describe, expect, it } from "vitest";
import type { LogEvent } from "../../src/api/admin";
import { trailRows } from "../../src/domain/trail/rows";
import { eventSentence } from "../../src/domain/trail/sentence";

let seq = 0;
function ev(type: string, data: unknown, at: number, stream = "lease:cbx_000000000001"): LogEvent {
  seq++;
  return {
    seq,
    id: `e${seq}`,
    stream,
    version: seq,
    type,
    schema: 1,
    data,
    meta: { actor: { kind: "shared", owner: "alice", org: "acme" } },
    at: new Date(at).toISOString(),
  };
}

describe("trail sentences", () => {
  it("render the issue's examples", () => {
    const t0 = Date.UTC(2026, 0, 1);
    const requested = ev(
      "LeaseRequested",
      {
        leaseID: "cbx_000000000001",
        slug: "s",
        owner: "alice",
        org: "acme",
        provider: "local",
        target: "linux",
        desktop: false,
        browser: false,
        code: false,
        profile: "p",
        class: "beast",
        requestedServerType: "x",
        serverTypeExplicit: false,
        providerOptions: {},
        providerKey: "k",
        sshUser: "u",
        sshPort: "22",
        sshFallbackPorts: [],
        sshPublicKey: "ssh-ed25519 AAAA",
        workRoot: "/w",
        keep: false,
        ttlSeconds: 5400,
        idleTimeoutSeconds: 600,
        estimatedHourlyUSD: 0,
        maxEstimatedUSD: 0,
        provisioningDeadlineAt: t0,
      },
      t0,
    );
    expect(eventSentence(requested)).toBe(
      "requested by alice: class beast on local, TTL 90 min, idle timeout 10 min",
    );
    const machine = ev(
      "MachineProvisioned",
      {
        cloudID: "lm-1",
        serverID: 1,
        serverName: "lm-abc",
        host: "127.0.0.1",
        sshUser: "u",
        sshPort: "22",
        sshFallbackPorts: [],
        workRoot: "/w",
        serverType: "local",
        estimatedHourlyUSD: 0,
        maxEstimatedUSD: 0,
        provisioningAttempts: [],
      },
      t0 + 1200,
    );
    expect(eventSentence(machine, { requestedAt: t0 })).toBe(
      "machine lm-abc provisioned at 127.0.0.1 after 1.2 s (local)",
    );
    const failed = ev(
      "MachineDeleteFailed",
      { cloudID: "lm-1", attempt: 2, message: "409 from the provider", nextAttemptAt: t0 + 30_000 },
      t0,
    );
    expect(eventSentence(failed)).toBe("delete retried (attempt 2): 409 from the provider, next try in 30 s");
  });

  it("fall back to the type and raw JSON for an unknown type or a payload that does not parse", () => {
    expect(eventSentence(ev("SomethingNew", { a: 1 }, 0))).toBe('SomethingNew {"a":1}');
    expect(eventSentence(ev("Released", { nope: true }, 0))).toBe('Released {"nope":true}');
  });
});

describe("trail rows", () => {
  it("collapse a run of heartbeats into one row with the count, first and last time and telemetry range", () => {
    const t0 = Date.UTC(2026, 0, 1);
    const beats = Array.from({ length: 20 }, (_, i) =>
      ev("Heartbeat", { telemetry: { capturedAt: t0 + i, load1: i / 10, diskPercent: 12 } }, t0 + i * 60_000),
    );
    const rows = trailRows([
      ...beats.slice(0, 10),
      ev("ShareChanged", { users: {}, changedBy: "alice" }, t0),
      ...beats.slice(10),
    ]);
    expect(rows.map((r) => [r.events.length, r.sentence])).toEqual([
      [10, "10 heartbeats: load 0–0.9, disk 12%"],
      [1, "share cleared by alice"],
      [10, "10 heartbeats: load 1–1.9, disk 12%"],
    ]);
    expect(rows[0]).toMatchObject({ firstAt: beats[0]?.at, lastAt: beats[9]?.at });
  });

  it("keep heartbeats of different streams apart and a lone empty heartbeat as one", () => {
    const rows = trailRows([ev("Heartbeat", {}, 0), ev("Heartbeat", {}, 1, "lease:cbx_000000000002")]);
    expect(rows.map((r) => r.sentence)).toEqual(["heartbeat", "heartbeat"]);
  });
});
