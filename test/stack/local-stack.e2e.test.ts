import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newLeaseId } from "../../src/domain/ids";
import { generateEd25519KeyPair } from "../../src/local/ssh/host-key";
import { ensureLocalStack, stopLocalStack } from "../../src/stack";
import { readStackInfo, type StackInfo } from "../../src/stack/stack-file";
import { execOnce } from "../local/ssh-client";
import { isolatedEnv } from "./support";

/**
 * The end-to-end path with no cloud account: the stack (coordinator in workerd +
 * local machine host) leases a local machine through the public HTTP API; the test waits for
 * readiness over SSH, runs a command, releases, and checks the event log and the host.
 */

const readyProbe = "command -v crabbox-ready >/dev/null 2>&1 && crabbox-ready";
const owner = "e2e@example.com";

interface Lease {
  id: string;
  state: string;
  host?: string;
  sshPort?: number | string;
  sshUser?: string;
  workRoot?: string;
  cloudID?: string;
  provider: string;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("the local stack, end to end through the coordinator's HTTP API", () => {
  let ctx: Awaited<ReturnType<typeof isolatedEnv>>;
  let url: string;
  let token: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        "x-crabbox-owner": owner,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  const stackInfo = async (): Promise<StackInfo> =>
    (await readStackInfo(`${ctx.env.CRABBOX_STATE_DIR}/stack.json`)) as StackInfo;

  const hostMachines = async (leaseID: string) => {
    const info = await stackInfo();
    const response = await fetch(`${info.hostUrl}/v1/machines?label_selector=lease=${leaseID}`, {
      headers: { authorization: `Bearer ${info.hostToken}` },
    });
    return ((await response.json()) as { machines: Array<{ id: string; sshPort: number }> }).machines;
  };

  const createLease = async (leaseID: string, publicKey: string, extra: Record<string, unknown> = {}) => {
    const created = await api("POST", "/v1/leases", {
      leaseID,
      provider: "local",
      sshPublicKey: publicKey,
      ttlSeconds: 900,
      idleTimeoutSeconds: 600,
      ...extra,
    });
    expect([200, 201, 202], JSON.stringify(created.body)).toContain(created.status);
    return until("the lease to become active", 30_000, async () => {
      const { body } = await api("GET", `/v1/leases/${leaseID}`);
      const lease = body?.lease as Lease | undefined;
      if (lease?.state === "failed") throw new Error(`lease failed: ${JSON.stringify(lease)}`);
      return lease?.state === "active" ? lease : undefined;
    });
  };

  beforeAll(async () => {
    ctx = await isolatedEnv({ CRABBOX_LOCAL_BOOTSTRAP_MS: "1500" });
    ({ url, token } = await ensureLocalStack({ env: ctx.env }));
  });

  afterAll(async () => {
    await stopLocalStack(ctx.env);
    await ctx.cleanup();
  });

  it("leases a local machine, waits for readiness over SSH, runs a command, releases it and deletes the machine", async () => {
    const key = generateEd25519KeyPair();
    const leaseID = newLeaseId();
    const lease = await createLease(leaseID, key.public);
    expect(lease).toMatchObject({ provider: "local", host: "127.0.0.1" });
    const port = Number(lease.sshPort);
    expect(lease.workRoot).toContain(ctx.env.CRABBOX_STATE_DIR as string);

    await until("crabbox-ready to pass over SSH", 20_000, async () => {
      const probe = await execOnce(port, key.private, readyProbe).catch(() => undefined);
      return probe?.code === 0 ? true : undefined;
    });

    const result = await execOnce(
      port,
      key.private,
      `cd '${lease.workRoot}' && echo "hello from $(uname -s)" && pwd && echo to-stderr >&2 && exit 5`,
    );
    expect(result.stdout).toBe(
      `hello from ${process.platform === "darwin" ? "Darwin" : "Linux"}\n${lease.workRoot}\n`,
    );
    expect(result.stderr).toBe("to-stderr\n");
    expect(result.code).toBe(5);

    const released = await api("POST", `/v1/leases/${leaseID}/release`, {});
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    await until("the machine host to delete the machine", 30_000, async () =>
      (await hostMachines(leaseID)).length === 0 ? true : undefined,
    );

    const events = await until("the clean-up to reach the event log", 30_000, async () => {
      const { status, body } = await api("GET", `/v1/leases/${leaseID}/events`);
      expect(status, JSON.stringify(body)).toBe(200);
      const types = (body.events as Array<{ type: string }>).map((e) => e.type);
      return types.includes("MachineDeleted") ? types : undefined;
    });
    expect(events).toEqual(
      expect.arrayContaining(["LeaseRequested", "MachineProvisioned", "Released", "MachineDeleted"]),
    );
    expect(events.indexOf("LeaseRequested")).toBeLessThan(events.indexOf("MachineProvisioned"));
    expect(events.indexOf("Released")).toBeLessThan(events.indexOf("MachineDeleted"));
  });

  /** SIGKILLs the whole stack (coordinator's workerd, machine host, daemon) and starts it again. */
  const crashAndRestart = async (env: NodeJS.ProcessEnv) => {
    const before = await stackInfo();
    process.kill(-before.pid, "SIGKILL");
    await until("the crashed stack to be gone", 30_000, async () =>
      fetch(`${url}/v1/health`).then(
        () => undefined,
        () => true,
      ),
    );
    ({ url, token } = await ensureLocalStack({ env }));
    expect((await stackInfo()).pid).not.toBe(before.pid);
  };

  const leaseState = async (leaseID: string) =>
    ((await api("GET", `/v1/leases/${leaseID}`)).body?.lease ?? {}) as Lease;

  it("keeps a lease across a coordinator crash, and expiry still deletes its machine after the restart", async () => {
    const key = generateEd25519KeyPair();
    const leaseID = newLeaseId();
    // An idle timeout far longer than a restart takes on a busy machine: the lease must still
    // be active after it, whatever the load (a 20 s one expired before the restart was done).
    const lease = await createLease(leaseID, key.public, { ttlSeconds: 900, idleTimeoutSeconds: 600 });
    const port = Number(lease.sshPort);

    await crashAndRestart(ctx.env);
    const { status, body } = await api("GET", `/v1/leases/${leaseID}`);
    expect(status).toBe(200);
    expect(body.lease).toMatchObject({ id: leaseID, state: "active", sshPort: lease.sshPort });
    const [machine] = await hostMachines(leaseID);
    expect(machine?.sshPort).toBe(port);
    expect((await execOnce(port, key.private, "echo still-here")).stdout).toBe("still-here\n");

    // Now let it go idle: a heartbeat sets a short idle timeout, and the alarm after the
    // restart expires the lease and deletes its machine.
    const shortened = await api("POST", `/v1/leases/${leaseID}/heartbeat`, { idleTimeoutSeconds: 2 });
    expect(shortened.status, JSON.stringify(shortened.body)).toBe(200);
    await until("expiry to end the lease", 60_000, async () =>
      (await leaseState(leaseID)).state === "expired" ? true : undefined,
    );
    // The host forgets the machine a moment before the Fleet records it: wait on the log's event.
    const types = await until("expiry to record the machine's delete", 30_000, async () => {
      const { body: log } = await api("GET", `/v1/leases/${leaseID}/events`);
      const seen = (log.events as Array<{ type: string }>).map((e) => e.type);
      return seen.includes("MachineDeleted") ? seen : undefined;
    });
    expect(types).toEqual(expect.arrayContaining(["Expired", "MachineDeleted"]));
    expect(await hostMachines(leaseID)).toEqual([]);
  });

  it("after a SIGKILL during a burst of creates, every lease is active with its machine or ended without one within 30 s of the restart", async () => {
    // The host answers creates only 10 minutes after the machine exists: the burst's leases
    // are `provisioning` with a machine on the host when the stack is killed.
    await crashAndRestart({
      ...ctx.env,
      CRABBOX_LOCAL_CREATE_ANSWER_MS: "600000",
      CRABBOX_PROVISION_WAIT_MS: "0",
    });
    const key = generateEd25519KeyPair();
    const burst = [newLeaseId(), newLeaseId(), newLeaseId()];
    const created = await Promise.all(
      burst.map((leaseID) =>
        api("POST", "/v1/leases", {
          leaseID,
          provider: "local",
          sshPublicKey: key.public,
          ttlSeconds: 900,
          idleTimeoutSeconds: 600,
        }),
      ),
    );
    expect(created.map((c) => c.status)).toEqual([202, 202, 202]);
    await until("the host to make every machine of the burst", 60_000, async () =>
      (await Promise.all(burst.map(hostMachines))).every((m) => m.length === 1) ? true : undefined,
    );
    for (const leaseID of burst) expect((await leaseState(leaseID)).state).toBe("provisioning");

    await crashAndRestart(ctx.env);
    const restartedAt = Date.now();
    const settled = await until("every lease of the burst to settle", 30_000, async () => {
      const leases = await Promise.all(burst.map(leaseState));
      return leases.every((l) => l.state !== "provisioning") ? leases : undefined;
    });
    expect(Date.now() - restartedAt).toBeLessThan(30_000);
    for (const lease of settled) {
      const machines = await hostMachines(lease.id);
      if (lease.state === "active")
        expect(
          machines.map((m) => m.id),
          lease.id,
        ).toEqual([lease.cloudID]);
      else expect(machines, `${lease.id} ${lease.state}`).toEqual([]);
    }
    // The machines existed: the restart adopted them rather than failing their leases.
    expect(settled.map((l) => l.state)).toEqual(["active", "active", "active"]);
    for (const leaseID of burst) {
      const { body } = await api("GET", `/v1/leases/${leaseID}/events`);
      expect((body.events as Array<{ type: string }>).map((e) => e.type)).toEqual([
        "LeaseRequested",
        "MachineAdopted",
      ]);
      expect((await api("POST", `/v1/leases/${leaseID}/release`, {})).status).toBe(200);
    }
  });
});
