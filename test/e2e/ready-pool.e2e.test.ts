import { describe, expect, it, vi } from "vitest";
import { useLocalStack } from "./local-stack-suite";

/**
 * Ready pools through the CLI's `main` on the local stack (docs/api.md#ready-pools): the
 * coordinator keeps one local machine ready, `crabbox run` claims it, the command's output
 * arrives over the lease's own key, and releasing the lease deletes the machine instead of
 * returning it to the pool.
 */
const pool = { provider: "local", class: "beast", min: 1, max: 1, maxReadyAgeSeconds: 3600 };

interface PoolMachine {
  id: string;
  state: string;
  cloudID?: string;
}

describe("crabbox run with a ready pool on the local stack", () => {
  const suite = useLocalStack({
    coordinatorVars: { CRABBOX_POOLS: JSON.stringify([pool]) },
    cliEnv: { CI: "e2e" },
  });

  const api = async (path: string) => {
    const { url, token, adminToken } = suite.stack.info;
    const bearer = path.startsWith("/v1/admin/") ? adminToken : token;
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return JSON.parse(text);
  };
  const hostMachines = async (label: string) => {
    const { hostUrl, hostToken } = suite.stack.info;
    const response = await fetch(`${hostUrl}/v1/machines?label_selector=lease=${label}`, {
      headers: { authorization: `Bearer ${hostToken}` },
    });
    return ((await response.json()) as { machines: Array<{ id: string }> }).machines;
  };
  const readyMachines = async (): Promise<PoolMachine[]> => {
    const r = await suite.cli("admin", "pool", "--json");
    expect(r.code, r.stderr).toBe(0);
    const [only] = JSON.parse(r.stdout).pools;
    return (only.machines as PoolMachine[]).filter((m) => m.state === "ready");
  };
  const untilOneReady = () =>
    vi.waitFor(
      async () => {
        const ready = await readyMachines();
        expect(ready).toHaveLength(1);
        return ready[0] as PoolMachine;
      },
      { timeout: 60_000, interval: 200 },
    );

  it("runs the command on the claimed machine, records the claim, and deletes the machine after release", async () => {
    const warm = await untilOneReady();

    const r = await suite.cli("run", "--", "sh", "-c", "echo hello-from-the-pool; whoami >/dev/null");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("hello-from-the-pool");
    const leaseID = /released (cbx_[a-f0-9]{12})/.exec(r.stderr)?.[1];
    expect(leaseID, r.stderr).toBeDefined();

    const trail = await vi.waitFor(
      async () => {
        const { events } = await api(`/v1/leases/${leaseID}/events`);
        const types = (events as Array<{ type: string }>).map((e) => e.type);
        expect(types).toContain("MachineDeleted");
        return events as Array<{ type: string; data: Record<string, unknown> }>;
      },
      { timeout: 30_000, interval: 200 },
    );
    const types = trail.map((e) => e.type);
    expect(types).toContain("MachineClaimedFromPool");
    expect(types).not.toContain("MachineProvisioned");
    expect(types.indexOf("MachineClaimedFromPool")).toBeLessThan(types.indexOf("Released"));
    const claim = trail.find((e) => e.type === "MachineClaimedFromPool");
    expect(claim?.data).toMatchObject({ poolMachineID: warm.id, cloudID: warm.cloudID });

    // Deleted on the host, and never back in the pool: the pool's stream ends with the claim.
    expect(await hostMachines(warm.id)).toEqual([]);
    const { events: poolTrail } = await api(
      `/v1/admin/events?stream=${encodeURIComponent(`pool:${warm.id}`)}`,
    );
    expect((poolTrail as Array<{ type: string }>).map((e) => e.type)).toEqual([
      "PoolMachineRequested",
      "PoolMachineReady",
      "PoolMachineClaimed",
    ]);
    const refilled = await untilOneReady();
    expect(refilled.id).not.toBe(warm.id);
    expect(refilled.cloudID).not.toBe(warm.cloudID);
  });
});
