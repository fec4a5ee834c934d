/**
 * One cloud pool's whole story through the coordinator, for any provider whose machines run the
 * pool agent (docs/providers.md#ready-pools): the alarm fills the pool, the agent answers "not
 * ready" until the test boots the machine, a lease claims it and gets it handed to its key, the
 * token shows up nowhere but the machine's user-data, and the release deletes the machine.
 */
import { expect, vi } from "vitest";
import { poolAgentToken } from "../../../src/providers/pool-agent/signature";
import type { Provider, ProviderName } from "../../../src/providers/provider";
import type { FakePoolAgents } from "../../support/fake-pool-agents";
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
import { poolEvents, readPools, untilReady } from "./support";

export interface CloudMachine {
  host: string;
  userData: string;
  /** The labels or tags the cloud keeps on the machine. */
  labels: Record<string, string>;
}

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

export async function poolFillClaimRelease(input: {
  name: ProviderName;
  machineClass: string;
  provider: Provider;
  agents: FakePoolAgents;
  secret: string;
  machines: () => CloudMachine[];
  /** More of the lease request (pool machines are on-demand; Azure leases default to spot). */
  leaseExtra?: Record<string, unknown>;
  /** What of the claimed machine is left in the cloud after its lease's release. */
  leftOf: (poolMachineID: string, host: string) => unknown[];
}): Promise<void> {
  const { agents, secret } = input;
  useRealProviders(
    { [input.name]: input.provider },
    {
      CRABBOX_POOLS: JSON.stringify([{ provider: input.name, class: input.machineClass, min: 1, max: 1 }]),
      CRABBOX_POOL_AGENT_SECRET: secret,
      CRABBOX_PROVIDER_CREATE_TIMEOUT_MS: "60000",
    },
  );
  await readPools();
  await later(0);

  // The machine is up and its agent answers, but bootstrap has not written the marker yet.
  await vi.waitFor(
    () => expect(agents.answers.some((a) => a.path === "/ready" && a.status === 200)).toBe(true),
    { timeout: 20_000 },
  );
  const [machine] = input.machines();
  const host = machine?.host ?? "";
  expect((await readPools())[0].ready).toBe(0);
  expect(agents.authorizedKeys.get(host)).toMatch(/^ssh-ed25519 \S+ crabbox-pool$/);
  agents.booted.add(host);
  await untilReady(1);
  const [poolMachine] = (await readPools())[0].machines;

  const who = uniqueOwner(`${input.name}-pool`);
  const leaseID = uniqueLeaseId();
  const created = await api(who, "POST", "/v1/leases", {
    provider: input.name,
    leaseID,
    class: input.machineClass,
    sshPublicKey,
    ttlSeconds: 3600,
    idleTimeoutSeconds: 600,
    ...input.leaseExtra,
  });
  expect(created.status, created.text).toBe(201);
  expect(created.body.lease).toMatchObject({ id: leaseID, host, state: "active" });
  expect(agents.authorizedKeys.get(host)).toBe(sshPublicKey.trim());
  expect(await leaseEventTypes(who, leaseID)).toContain("MachineClaimedFromPool");
  expect(await poolEvents(poolMachine.id)).toContain("PoolMachineClaimed");

  // The token is in the machine's user-data only: not in its labels, not in any event.
  const token = await poolAgentToken(secret, poolMachine.id);
  expect(machine?.userData.split(token)).toHaveLength(2);
  expect(JSON.stringify(machine?.labels)).not.toContain(token);
  const log = await allEventsText();
  expect(log).not.toContain(token);
  expect(log).not.toContain(secret);

  // The machine and its companions were made under the pool machine's id; the lease's delete
  // finds them all (the pool's refill may be making its own meanwhile).
  await releaseAndExpectDeleted(who, leaseID);
  expect(input.leftOf(poolMachine.id, host)).toEqual([]);
}
