import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/cli/config";
import { createProgress } from "../../src/cli/output/progress";
import { createLease, newPendingLease } from "../../src/cli/run/lease";
import { CoordinatorClient } from "../../src/client/client";
import { Transport } from "../../src/client/transport";
import { leaseJson, sandbox } from "../cli/support";

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

function leaseRecord(id: string, state: string) {
  return leaseJson(id, { state, host: state === "active" ? "127.0.0.1" : undefined });
}

/**
 * A coordinator that misbehaves the way networks do: the first create never answers in
 * time, the second gets 503, the third is accepted as provisioning (202), polls finish it.
 */
async function flakyCoordinator() {
  const creates: { leaseID: string; body: string }[] = [];
  let polls = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/v1/leases") {
        const { leaseID } = JSON.parse(body);
        creates.push({ leaseID, body });
        if (creates.length === 1) return; // hangs: the client times out
        if (creates.length === 2) {
          res.writeHead(503, { "content-type": "application/json" });
          return res.end(JSON.stringify({ error: "internal", message: "try again" }));
        }
        res.writeHead(202, { "content-type": "application/json" });
        return res.end(JSON.stringify({ lease: leaseRecord(leaseID, "provisioning") }));
      }
      if (req.method === "GET" && req.url?.startsWith("/v1/leases/")) {
        polls++;
        const id = decodeURIComponent(req.url.split("/")[3]!);
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ lease: leaseRecord(id, polls >= 2 ? "active" : "provisioning") }));
      }
      res.writeHead(404).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, creates, polls: () => polls };
}

describe("lease create retries", () => {
  it("re-sends a timed-out or refused create with the same lease ID and body, then polls a 202 until active", async () => {
    const s = sandbox();
    const fake = await flakyCoordinator();
    const config = loadConfig({ env: { ...s.env, CRABBOX_COORDINATOR: fake.url }, cwd: s.cwd });
    const client = new CoordinatorClient(
      new Transport({ baseUrl: fake.url, token: "t", sleep: async () => {} }),
      300,
    );
    const pending = newPendingLease();
    const lease = await createLease({
      client,
      config,
      env: s.env,
      pending,
      keep: false,
      signal: new AbortController().signal,
      progress: createProgress(new PassThrough()),
      pollIntervalMs: 10,
    });
    expect(lease.state).toBe("active");
    expect(lease.id).toBe(pending.leaseID);
    expect(fake.creates.map((c) => c.leaseID)).toEqual([pending.leaseID, pending.leaseID, pending.leaseID]);
    expect(new Set(fake.creates.map((c) => c.body)).size).toBe(1);
    expect(fake.polls()).toBeGreaterThanOrEqual(2);
    const body = JSON.parse(fake.creates[0]!.body);
    expect(body.sshPublicKey).toMatch(/^ssh-ed25519 /);
    expect(body).toMatchObject({
      slug: pending.slug,
      providerKey: `crabbox-${pending.leaseID.replace("_", "-")}`,
      keep: false,
    });
  }, 20_000);
});
