import { beforeEach, describe, expect, it, vi } from "vitest";
import { HetznerProvider } from "../../../src/providers/hetzner";
import { PoolAgentClient } from "../../../src/providers/pool-agent/client";
import { poolAgentToken } from "../../../src/providers/pool-agent/signature";
import { FakeHetzner } from "../../support/fake-hetzner";
import { FakePoolAgents } from "../../support/fake-pool-agents";
import {
  api,
  later,
  leaseEventTypes,
  releaseAndExpectDeleted,
  sshPublicKey,
  uniqueLeaseId,
  uniqueOwner,
  useRealProviders,
} from "../../support/fleet-api";
import { drainPools, poolEvents, readPools, untilReady } from "./support";

// The real Hetzner provider against the fake Hetzner API, with each server's pool agent served
// by the test from the cloud-init the server was created with (test/support/fake-pool-agents.ts).

const secret = "fleet-secret-of-the-hetzner-pool-test";

beforeEach(drainPools);

async function allEventsText(): Promise<string> {
  const pages: unknown[] = [];
  let after = 0;
  for (;;) {
    const res = await api("admin", "GET", `/v1/admin/events?after=${after}&limit=500`);
    expect(res.status, res.text).toBe(200);
    const events = res.body.events as { seq: number }[];
    if (events.length === 0) return JSON.stringify(pages);
    pages.push(events);
    after = events.at(-1)?.seq ?? after;
  }
}

describe("a Hetzner ready pool", () => {
  it("fills once the agent reports ready, hands the machine to a lease's key, and never logs the token", async () => {
    const fake = new FakeHetzner();
    const agents = new FakePoolAgents(() =>
      fake.inventory().servers.flatMap((s) => (s.ip ? [{ host: s.ip, userData: s.user_data }] : [])),
    );
    const provider = new HetznerProvider({
      token: fake.token,
      baseUrl: "http://hetzner.fake/v1",
      fetch: fake.fetch,
      retry: { timeoutMs: 2_000, maxRetries: 1, backoffMs: 1 },
      ipPollMs: 1,
      poolAgent: new PoolAgentClient({ connect: agents.connect, secret }),
    });
    useRealProviders(
      { hetzner: provider },
      {
        CRABBOX_POOLS: JSON.stringify([{ provider: "hetzner", class: "beast", min: 1, max: 1 }]),
        CRABBOX_POOL_AGENT_SECRET: secret,
        CRABBOX_PROVIDER_CREATE_TIMEOUT_MS: "60000",
      },
    );
    await readPools();
    await later(0);

    // The server is up and its agent answers, but bootstrap has not written the marker yet.
    await vi.waitFor(
      () => expect(agents.answers.some((a) => a.path === "/ready" && a.status === 200)).toBe(true),
      {
        timeout: 20_000,
      },
    );
    const [server] = fake.inventory().servers;
    expect((await readPools())[0].ready).toBe(0);
    const throwAway = agents.authorizedKeys.get(server?.ip ?? "");
    expect(throwAway).toMatch(/^ssh-ed25519 \S+ crabbox-pool$/);
    agents.booted.add(server?.ip ?? "");
    await untilReady(1);
    const [machine] = (await readPools())[0].machines;

    const who = uniqueOwner("hetzner-pool");
    const leaseID = uniqueLeaseId();
    const created = await api(who, "POST", "/v1/leases", {
      provider: "hetzner",
      leaseID,
      class: "beast",
      sshPublicKey,
      ttlSeconds: 3600,
      idleTimeoutSeconds: 600,
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.lease).toMatchObject({ id: leaseID, host: server?.ip, state: "active" });
    expect(agents.authorizedKeys.get(server?.ip ?? "")).toBe(sshPublicKey.trim());
    expect(await leaseEventTypes(who, leaseID)).toContain("MachineClaimedFromPool");
    expect(await poolEvents(machine.id)).toContain("PoolMachineClaimed");
    expect(fake.inventory().servers).toHaveLength(1);

    // The token is in the server's user-data only: not in its labels, not in any event.
    const token = await poolAgentToken(secret, machine.id);
    expect(server?.user_data.split(token)).toHaveLength(2);
    expect(JSON.stringify(server?.labels)).not.toContain(token);
    const log = await allEventsText();
    expect(log).not.toContain(token);
    expect(log).not.toContain(secret);

    // The server and its key were made under the pool machine's id; the lease's delete finds both.
    await releaseAndExpectDeleted(who, leaseID);
    // (The pool's refill may be making its own server and key meanwhile.)
    const left = fake.inventory();
    expect(left.servers.filter((s) => s.id === server?.id || s.labels.lease === machine.id)).toEqual([]);
    expect(left.keys.filter((k) => k.labels.lease === machine.id)).toEqual([]);
  });
});
