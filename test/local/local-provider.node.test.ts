import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isCrabboxError } from "../../src/errors";
import { HostHttpServer } from "../../src/local/http/host-http-server";
import { MachineHost } from "../../src/local/machine-host";
import { generateEd25519KeyPair } from "../../src/local/ssh/host-key";
import { LocalProvider } from "../../src/providers/local";
import type { MachineSpec } from "../../src/providers/provider";
import { machineSpec } from "../support/machine-spec";
import { execOnce } from "./ssh-client";

const token = "host-token-for-tests";

/** A spec the local provider accepts, with the real labels of its lease. */
function localSpec(leaseID: string, sshPublicKey: string): MachineSpec {
  return machineSpec("local", {
    leaseID,
    slug: "blue-lobster",
    class: "standard",
    serverType: "local",
    market: "on-demand",
    sshPublicKey,
    createdAt: Date.now(),
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("LocalProvider against the machine host's HTTP API", () => {
  let stateDir: string;
  let host: MachineHost;
  let http: HostHttpServer;
  let baseUrl: string;
  let provider: LocalProvider;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "crabbox-provider-"));
    host = new MachineHost({ stateDir, bootstrapDelayMs: 200 });
    await host.start();
    http = new HostHttpServer(host, token);
    baseUrl = await http.listen(0);
    provider = new LocalProvider({ baseUrl, token });
  });

  afterAll(async () => {
    await http.close();
    await host.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("creates a labelled machine on loopback that the lease key can log in to", async () => {
    const key = generateEd25519KeyPair();
    const machine = await provider.create(localSpec("cbx_0123456789ab", key.public));
    expect(machine).toMatchObject({
      provider: "local",
      host: "127.0.0.1",
      sshFallbackPorts: [],
      attempts: [],
    });
    expect(machine.name).toMatch(/^crabbox-blue-lobster-[0-9a-f]{8}$/);
    expect(machine.workRoot).toBe(join(stateDir, "machines", machine.cloudID, "work"));
    const result = await execOnce(machine.sshPort, key.private, "echo ok");
    expect(result.stdout).toBe("ok\n");
    const [found] = await provider.findByLease("cbx_0123456789ab");
    expect(found?.labels).toMatchObject({ crabbox: "true", lease: "cbx_0123456789ab", provider: "local" });
  });

  it("adopts the first machine when a create for the same lease is retried", async () => {
    const key = generateEd25519KeyPair();
    const first = await provider.create(localSpec("cbx_aaaabbbbcccc", key.public));
    const again = await provider.create(localSpec("cbx_aaaabbbbcccc", key.public));
    expect(again.cloudID).toBe(first.cloudID);
    expect(await provider.findByLease("cbx_aaaabbbbcccc")).toHaveLength(1);
  });

  it("lists every crabbox machine, and deletes one, reporting a second delete as already gone", async () => {
    const key = generateEd25519KeyPair();
    const machine = await provider.create(localSpec("cbx_dddd00001111", key.public));
    expect((await provider.list()).map((m) => m.cloudID)).toContain(machine.cloudID);
    const target = { cloudID: machine.cloudID, leaseID: "cbx_dddd00001111" };
    expect(await provider.delete(target)).toBe("deleted");
    expect(await provider.delete(target)).toBe("already_gone");
    expect(await provider.findByLease("cbx_dddd00001111")).toEqual([]);
  });

  it("refreshes labels, as direct mode does on heartbeat", async () => {
    const key = generateEd25519KeyPair();
    const machine = await provider.create(localSpec("cbx_eeee00001111", key.public));
    await provider.updateLabels(
      { cloudID: machine.cloudID, leaseID: "cbx_eeee00001111" },
      { expires_at: "1999999999" },
    );
    const [found] = await provider.findByLease("cbx_eeee00001111");
    expect(found?.labels.expires_at).toBe("1999999999");
    expect(found?.labels.lease).toBe("cbx_eeee00001111");
  });

  it("fails as a provider error, without echoing the token, when the token is wrong", async () => {
    const wrong = new LocalProvider({ baseUrl, token: "not-the-token" });
    const error = await rejection(wrong.list());
    expect(isCrabboxError(error) && error.code).toBe("provider_error");
    expect(String((error as Error).message)).toContain("401");
    expect(String((error as Error).message)).not.toContain("not-the-token");
  });

  it("refuses a Windows target before asking the host for anything", async () => {
    const key = generateEd25519KeyPair();
    const before = host.list().length;
    const error = await rejection(
      provider.create({ ...localSpec("cbx_999900001111", key.public), target: "windows" }),
    );
    expect(isCrabboxError(error) && error.code).toBe("unsupported");
    expect(isCrabboxError(error) && error.details).toEqual({ field: "target" });
    expect(host.list().length).toBe(before);
  });

  it("fails clearly when no host is listening", async () => {
    const nowhere = new LocalProvider({ baseUrl: "http://127.0.0.1:9", token, timeoutMs: 2000 });
    const error = await rejection(nowhere.list());
    expect(isCrabboxError(error) && error.code).toBe("provider_error");
    expect((error as Error).message).toMatch(/unreachable at http:\/\/127\.0\.0\.1:9/);
  });

  it("answers bad requests with a JSON error naming the field and creates nothing", async () => {
    const before = host.list().length;
    const response = await fetch(`${baseUrl}/v1/machines`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "x", labels: { lease: "cbx_ffff00001111" }, sshPublicKey: "not a key" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_request", field: "sshPublicKey" });
    const selector = await fetch(
      `${baseUrl}/v1/machines?label_selector=${encodeURIComponent("bad key!=x")}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(selector.status).toBe(400);
    expect(host.list().length).toBe(before);
    const health = await fetch(`${baseUrl}/v1/health`);
    expect(await health.json()).toEqual({ ok: true });
  });
});
