/**
 * Examples for the OpenAPI document (docs/api.md, "OpenAPI"): one request body per route that
 * takes one and the answers of the main routes. test/api/openapi.unit.test.ts parses every
 * example with the route's own zod schema, so none can drift from the contract.
 */

const at = "2026-12-04T09:00:00.000Z";
const later = "2026-12-04T10:00:00.000Z";

export const leaseExample = {
  id: "cbx_0123456789ab",
  slug: "blue-crab",
  provider: "hetzner",
  target: "linux",
  region: "fsn1",
  owner: "ada@example.com",
  org: "crabclub",
  class: "standard",
  serverType: "cpx31",
  host: "203.0.113.7",
  sshUser: "crabbox",
  sshPort: 22,
  workRoot: "/work/crabbox",
  ttlSeconds: 3600,
  idleTimeoutSeconds: 1800,
  estimatedHourlyUSD: 0.0238,
  state: "active",
  machineState: "running",
  createdAt: at,
  updatedAt: at,
  lastTouchedAt: at,
  expiresAt: later,
};

export const runExample = {
  id: "run_0123456789abcdef",
  leaseID: "cbx_0123456789ab",
  slug: "blue-crab",
  provider: "hetzner",
  target: "linux",
  class: "standard",
  serverType: "cpx31",
  owner: "ada@example.com",
  org: "crabclub",
  command: ["npm", "test"],
  state: "running",
  phase: "command",
  startedAt: at,
  eventCount: 3,
};

export const webhookExample = {
  id: "wh_0123456789abcdef",
  url: "https://ci.example.com/crabbox",
  eventTypes: ["Released", "Expired"],
  createdAt: at,
  createdBy: "ops@example.com",
  cursor: 812,
  deliveries: { pending: 0, delivered: 0, failed: 0 },
};

export const examples = {
  health: { response: { ok: true, service: "crabbox-coordinator" } },
  whoami: {
    response: {
      owner: "ada@example.com",
      org: "crabclub",
      auth: "github",
      admin: false,
      kind: "github",
      login: "ada",
    },
  },
  githubStart: { request: { pollSecretHash: "9f".repeat(32) } },
  githubPoll: { request: { loginID: "login_0123456789abcdef", pollSecret: "0a".repeat(32) } },
  leaseCreate: {
    request: {
      leaseID: "cbx_0123456789ab",
      class: "standard",
      ttlSeconds: 3600,
      sshPublicKey:
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBc2+bU3LbFrkU9WrK3+Vg1y5vO6fQWcGkUQ8Rw5e8pD crabbox",
    },
    response: { lease: leaseExample },
  },
  lease: { response: { lease: leaseExample } },
  leases: { response: { leases: [leaseExample] } },
  heartbeat: {
    request: { telemetry: { capturedAt: at, load1: 0.42, memoryUsedBytes: 1073741824 } },
    response: { lease: leaseExample },
  },
  release: { request: { delete: true }, response: { lease: { ...leaseExample, state: "released" } } },
  sharePut: {
    request: { users: { "grace@example.com": "use" }, org: "use" },
    response: { leaseID: "cbx_0123456789ab", share: { users: { "grace@example.com": "use" }, org: "use" } },
  },
  shareDelete: { request: { user: "grace@example.com" } },
  runCreate: {
    request: { leaseID: "cbx_0123456789ab", command: ["npm", "test"] },
    response: { run: runExample },
  },
  run: { response: { run: runExample } },
  runEvent: { request: { type: "phase", phase: "sync", message: "synced 412 files" } },
  runTelemetry: { request: { telemetry: { capturedAt: at, load1: 1.5 } } },
  runFinish: {
    request: { exitCode: 0, log: "…\n42 passed\n", syncMs: 1800, commandMs: 52000 },
    response: { run: { ...runExample, state: "succeeded", phase: "done", exitCode: 0, endedAt: later } },
  },
  adminRelease: { request: { delete: true } },
  webhookCreate: {
    request: { url: "https://ci.example.com/crabbox", eventTypes: ["Released", "Expired"] },
    response: { webhook: webhookExample, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
  },
  webhooks: { response: { webhooks: [webhookExample] } },
} as const;
