import { describe, expect, it } from "vitest";
import {
  AdminEventsQuery,
  GithubLoginPollResponse,
  GithubLoginStartRequest,
  HeartbeatRequest,
  LeaseEnvelope,
  LeaseRequest,
  RunCreateRequest,
  RunEventInput,
  RunFinishRequest,
  SharePutRequest,
  UsageQuery,
} from "../../src/api";

const key =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl crabbox-cbx_abcdef123456";

function firstIssue(result: {
  success: boolean;
  error?: { issues: Array<{ path: PropertyKey[]; params?: unknown }> };
}) {
  expect(result.success).toBe(false);
  return result.error?.issues[0];
}

describe("lease request", () => {
  it("reads what the reference CLI sends, with ports as strings and unknown fields dropped", () => {
    const parsed = LeaseRequest.parse({
      leaseID: "cbx_abcdef123456",
      slug: "Blue Lobster",
      provider: "hetzner",
      class: "beast",
      sshPort: "2222",
      sshFallbackPorts: ["22", 2200],
      ttlSeconds: 1200,
      idleTimeoutSeconds: 360,
      capacity: { market: "spot", regions: null },
      sshPublicKey: `${key}\n`,
      tailscaleAuthKey: "tskey-should-never-be-kept",
    });
    expect(parsed).toEqual({
      leaseID: "cbx_abcdef123456",
      slug: "Blue Lobster",
      provider: "hetzner",
      class: "beast",
      sshPort: "2222",
      sshFallbackPorts: ["22", "2200"],
      ttlSeconds: 1200,
      idleTimeoutSeconds: 360,
      capacity: { market: "spot" },
      sshPublicKey: key,
    });
  });

  it("accepts the zero-config local provider and refuses unknown ones", () => {
    expect(LeaseRequest.parse({ provider: "local", sshPublicKey: key }).provider).toBe("local");
    expect(firstIssue(LeaseRequest.safeParse({ provider: "gcp", sshPublicKey: key }))?.path).toEqual([
      "provider",
    ]);
  });

  it("requires a non-blank sshPublicKey", () => {
    expect(firstIssue(LeaseRequest.safeParse({ sshPublicKey: " \n" }))?.path).toEqual(["sshPublicKey"]);
  });

  it("tags a malformed leaseID with invalid_lease_id", () => {
    const issue = firstIssue(LeaseRequest.safeParse({ leaseID: "cbx_ABCDEF123456", sshPublicKey: key }));
    expect(issue?.path).toEqual(["leaseID"]);
    expect(issue?.params).toEqual({ code: "invalid_lease_id" });
  });

  it("refuses negative durations and out-of-range ports", () => {
    expect(firstIssue(LeaseRequest.safeParse({ ttlSeconds: -1, sshPublicKey: key }))?.path).toEqual([
      "ttlSeconds",
    ]);
    expect(firstIssue(LeaseRequest.safeParse({ sshPort: 70000, sshPublicKey: key }))?.path).toEqual([
      "sshPort",
    ]);
  });
});

describe("lease record", () => {
  it("reads the reference's lease envelope, including a provisioning lease without a host", () => {
    const lease = {
      id: "cbx_abcdef123456",
      slug: "blue-lobster",
      provider: "local",
      target: "linux",
      owner: "alice@example.com",
      org: "crabclub",
      state: "provisioning",
      ttlSeconds: 5400,
      idleTimeoutSeconds: 1800,
      sshPort: "2222",
      createdAt: "2026-11-28T12:00:00.000Z",
      updatedAt: "2026-11-28T12:00:00.000Z",
      lastTouchedAt: "2026-11-28T12:00:00.000Z",
      expiresAt: "2026-11-28T12:30:00.000Z",
      telemetryHistory: null,
    };
    expect(LeaseEnvelope.parse({ lease }).lease.state).toBe("provisioning");
    expect(firstIssue(LeaseEnvelope.safeParse({ lease: { ...lease, state: "ready" } }))?.path).toEqual([
      "lease",
      "state",
    ]);
  });
});

describe("heartbeat and share bodies", () => {
  it("reads heartbeats with telemetry and refuses wrongly typed metrics", () => {
    expect(HeartbeatRequest.parse({})).toEqual({});
    expect(HeartbeatRequest.parse({ telemetry: { load1: 0.5, source: "ssh-linux" } }).telemetry?.load1).toBe(
      0.5,
    );
    expect(firstIssue(HeartbeatRequest.safeParse({ telemetry: { load1: "high" } }))?.path).toEqual([
      "telemetry",
      "load1",
    ]);
  });

  it("lowercases share e-mails and refuses unknown roles", () => {
    expect(SharePutRequest.parse({ users: { " Bob@Example.com ": "use" }, org: "manage" })).toEqual({
      users: { "bob@example.com": "use" },
      org: "manage",
    });
    expect(firstIssue(SharePutRequest.safeParse({ users: { "bob@example.com": "own" } }))?.path).toEqual([
      "users",
      "bob@example.com",
    ]);
  });
});

describe("run bodies", () => {
  it("accepts the early run the CLI opens with an empty leaseID, and tags a malformed one", () => {
    expect(RunCreateRequest.parse({ leaseID: "", command: ["pnpm", "test"] }).leaseID).toBe("");
    expect(firstIssue(RunCreateRequest.safeParse({ leaseID: "lease-1" }))?.params).toEqual({
      code: "invalid_lease_id",
    });
  });

  it("reads run events and refuses an unknown output stream", () => {
    expect(RunEventInput.parse({ type: "stdout", stream: "stdout", data: "hi\n" }).data).toBe("hi\n");
    expect(firstIssue(RunEventInput.safeParse({ type: "stdout", stream: "tty" }))?.path).toEqual(["stream"]);
  });

  it("reads a finish with chunks, Go nil slices in results and partial telemetry", () => {
    const finish = RunFinishRequest.parse({
      exitCode: 0,
      logChunks: ["a", "b"],
      results: { format: "junit", files: null, suites: 1, tests: 3, failures: 0, failed: null },
      telemetry: { end: { capturedAt: "2026-11-28T12:00:00Z", load1: 0.9 }, samples: null },
    });
    expect(finish.results).toEqual({
      format: "junit",
      files: [],
      suites: 1,
      tests: 3,
      failures: 0,
      errors: 0,
      skipped: 0,
      timeSeconds: 0,
      failed: [],
    });
    expect(finish.telemetry).toEqual({ end: { capturedAt: "2026-11-28T12:00:00Z", load1: 0.9 } });
    expect(firstIssue(RunFinishRequest.safeParse({ logChunks: ["a", 3] }))?.path).toEqual(["logChunks", 1]);
  });
});

describe("queries", () => {
  it("reads usage months and admin event filters", () => {
    expect(firstIssue(UsageQuery.safeParse({ month: "2026-13" }))?.path).toEqual(["month"]);
    expect(
      AdminEventsQuery.parse({ after: "10", since: "2026-11-28T00:00:00Z", until: "1764374400000" }),
    ).toEqual({
      after: 10,
      limit: 500,
      since: Date.parse("2026-11-28T00:00:00Z"),
      until: 1764374400000,
    });
  });
});

describe("GitHub login", () => {
  it("requires a 64-hex poll secret hash and keeps only known providers", () => {
    const hash = "0".repeat(64);
    expect(GithubLoginStartRequest.parse({ pollSecretHash: hash, provider: "aws" })).toEqual({
      pollSecretHash: hash,
      provider: "aws",
    });
    expect(GithubLoginStartRequest.parse({ pollSecretHash: hash, provider: "blacksmith" })).toEqual({
      pollSecretHash: hash,
    });
    expect(firstIssue(GithubLoginStartRequest.safeParse({ pollSecretHash: "0".repeat(63) }))?.params).toEqual(
      {
        code: "invalid_poll_secret_hash",
      },
    );
  });

  it("distinguishes the poll answers by status", () => {
    expect(GithubLoginPollResponse.parse({ status: "expired" })).toEqual({ status: "expired" });
    expect(GithubLoginPollResponse.safeParse({ status: "complete", owner: "a" }).success).toBe(false);
  });
});
