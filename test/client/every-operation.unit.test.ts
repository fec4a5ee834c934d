import { describe, expect, it } from "vitest";
import { type Operation, operations } from "../../src/api/openapi/operations";
import { CoordinatorClient } from "../../src/client/client";
import { createClient } from "../../src/client/index";

/** The client's operation methods: every method but the admin re-binding. */
type Method = Exclude<
  {
    [K in keyof CoordinatorClient]: CoordinatorClient[K] extends (...args: never[]) => unknown ? K : never;
  }[keyof CoordinatorClient],
  "asAdmin"
>;

const lease = "cbx_0123456789ab";
const run = "run_0123456789ab";
const webhook = "wh_0123456789abcdef";

/** One call of each method; the compiler fails this table when a method is added without a row. */
const calls: Record<Method, (c: CoordinatorClient) => Promise<unknown>> = {
  health: (c) => c.health(),
  openApi: (c) => c.openApi(),
  fleetHealth: (c) => c.fleetHealth(),
  whoami: (c) => c.whoami(),
  githubStart: (c) => c.githubStart("a".repeat(64)),
  githubPoll: (c) => c.githubPoll("login", "secret"),
  createLease: (c) => c.createLease({ leaseID: lease, sshPublicKey: "ssh-ed25519 AAAA test" }),
  getLease: (c) => c.getLease(lease),
  listLeases: (c) => c.listLeases({ limit: 5 }),
  heartbeat: (c) => c.heartbeat(lease),
  releaseLease: (c) => c.releaseLease(lease),
  getShare: (c) => c.getShare(lease),
  setShare: (c) => c.setShare(lease, { users: { "a@example.com": "use" } }),
  removeShare: (c) => c.removeShare(lease, { user: "a@example.com" }),
  leaseEvents: (c) => c.leaseEvents(lease, { after: 0 }),
  createRun: (c) => c.createRun({ leaseID: lease, command: ["true"] }, "key-run"),
  appendRunEvent: (c) => c.appendRunEvent(run, { type: "stdout", message: "hi" }, "key-event"),
  appendRunTelemetry: (c) => c.appendRunTelemetry(run, { load1: 0.5 }, "key-telemetry"),
  finishRun: (c) => c.finishRun(run, { exitCode: 0 }, "key-finish"),
  getRun: (c) => c.getRun(run),
  listRuns: (c) => c.listRuns({ leaseID: lease }),
  runLogs: (c) => c.runLogs(run),
  runEvents: (c) => c.runEvents(run, 0, 10),
  usage: (c) => c.usage({ scope: "user" }),
  pool: (c) => c.pool("local"),
  adminLeases: (c) => c.adminLeases({ state: "active" }),
  adminRelease: (c) => c.adminRelease(lease, true),
  adminDelete: (c) => c.adminDelete(lease),
  adminEvents: (c) => c.adminEvents({ after: 0 }),
  adminExport: (c) => c.adminExport({ after: 0 }),
  adminReplay: (c) => c.adminReplay(),
  orphans: (c) => c.orphans(),
  metrics: (c) => c.metrics(),
  createWebhook: (c) => c.createWebhook({ url: "https://ci.example.com/hook", eventTypes: ["Released"] }),
  listWebhooks: (c) => c.listWebhooks(),
  getWebhook: (c) => c.getWebhook(webhook),
  deleteWebhook: (c) => c.deleteWebhook(webhook),
  localPortalLink: (c) => c.localPortalLink(),
};

/** Routes an API client calls: under /v1/, answering data rather than a page or a redirect for a browser. */
function isApiOperation(op: Operation): boolean {
  return (
    op.path.startsWith("/v1/") && !Object.values(op.responses).some((a) => a === "html" || a === "redirect")
  );
}

function matches(op: Operation, method: string, pathname: string): boolean {
  const pattern = new RegExp(`^${op.path.replace(/:[A-Za-z]+/g, "[^/]+")}$`);
  return op.method === method.toLowerCase() && pattern.test(pathname);
}

interface Sent {
  call: string;
  method: string;
  pathname: string;
  idempotencyKey: string | null;
}

async function sendEveryCall(): Promise<Sent[]> {
  const sent: Sent[] = [];
  let current = "";
  const client = createClient({
    url: "http://127.0.0.1:9",
    token: "tok",
    attempts: 1,
    fetch: async (input, init) => {
      const url = new URL(String(input));
      const headers = new Headers(init?.headers);
      sent.push({
        call: current,
        method: init?.method ?? "GET",
        pathname: url.pathname,
        idempotencyKey: headers.get("idempotency-key"),
      });
      // A refusal: no call retries it, and each call's request is all this test reads.
      return Response.json({ error: "invalid_request", message: "recorded" }, { status: 400 });
    },
  });
  for (const [name, call] of Object.entries(calls)) {
    current = name;
    await call(client).catch(() => undefined);
  }
  return sent;
}

describe("the typed client covers the API", () => {
  it("has a method for every API operation in the OpenAPI registry, each sending that route", async () => {
    const sent = await sendEveryCall();
    expect(sent.map((s) => s.call)).toEqual(Object.keys(calls));
    const missing = operations
      .filter(isApiOperation)
      .filter((op) => !sent.some((s) => matches(op, s.method, s.pathname)))
      .map((op) => `${op.method.toUpperCase()} ${op.path}`);
    expect(missing).toEqual([]);
    const unknown = sent.filter((s) => !operations.some((op) => matches(op, s.method, s.pathname)));
    expect(unknown).toEqual([]);
  });

  it("exercises every method of the client in the table above", () => {
    const methods = new Set<string>();
    for (
      let proto = CoordinatorClient.prototype;
      proto !== Object.prototype;
      proto = Object.getPrototypeOf(proto)
    ) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        const descriptor = Object.getOwnPropertyDescriptor(proto, name);
        if (name !== "constructor" && name !== "asAdmin" && typeof descriptor?.value === "function")
          methods.add(name);
      }
    }
    expect([...methods].sort()).toEqual(Object.keys(calls).sort());
  });

  it("sends an Idempotency-Key on every POST that is not idempotent by itself", async () => {
    const sent = await sendEveryCall();
    // Lease create dedupes on the client's leaseID; heartbeat, release and the admin release and
    // delete are idempotent on the coordinator; replay only compares; the sign-in routes and the
    // local portal link take no key (docs/api.md, "Idempotency-Key").
    const byNature = new Set([
      "createLease",
      "heartbeat",
      "releaseLease",
      "adminRelease",
      "adminDelete",
      "adminReplay",
      "githubStart",
      "githubPoll",
      "localPortalLink",
    ]);
    const unkeyed = sent.filter((s) => s.method === "POST" && !byNature.has(s.call) && !s.idempotencyKey);
    expect(unkeyed).toEqual([]);
    expect(sent.filter((s) => s.method === "POST" && s.idempotencyKey).map((s) => s.call)).toEqual([
      "createRun",
      "appendRunEvent",
      "appendRunTelemetry",
      "finishRun",
      "createWebhook",
    ]);
  });
});
