import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_startWorker } from "wrangler";
import { HostHttpServer } from "../../src/local/http/host-http-server";
import { MachineHost } from "../../src/local/machine-host";
import { generateEd25519KeyPair } from "../../src/local/ssh/host-key";
import { execOnce } from "../local/ssh-client";
import { freePort } from "../support/free-port";
import { machineSpec } from "../support/machine-spec";

const hostToken = "workerd-test-host-token";

describe("LocalProvider inside workerd", () => {
  let stateDir: string;
  let host: MachineHost;
  let http: HostHttpServer;
  let worker: Awaited<ReturnType<typeof unstable_startWorker>>;
  let workerUrl: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "crabbox-workerd-provider-"));
    host = new MachineHost({ stateDir, bootstrapDelayMs: 100 });
    await host.start();
    http = new HostHttpServer(host, hostToken);
    const hostUrl = await http.listen(0);
    process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
    const port = await freePort();
    worker = await unstable_startWorker({
      config: fileURLToPath(new URL("./fixtures/provider-worker.wrangler.toml", import.meta.url)),
      bindings: {
        HOST_URL: { type: "plain_text", value: hostUrl },
        HOST_TOKEN: { type: "plain_text", value: hostToken },
      },
      dev: {
        server: { hostname: "127.0.0.1", port },
        persist: false,
        inspector: false,
        watch: false,
        liveReload: false,
        logLevel: "warn",
      },
    } as Parameters<typeof unstable_startWorker>[0]);
    await worker.ready;
    workerUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await worker?.dispose();
    await http?.close();
    await host?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("creates, finds, lists and deletes local machines over loopback fetch", async () => {
    const key = generateEd25519KeyPair();
    const leaseID = "cbx_abcdef012345";
    const spec = machineSpec("local", {
      leaseID,
      slug: "coral-krill",
      class: "standard",
      serverType: "local",
      market: "on-demand",
      sshPublicKey: key.public,
      createdAt: Date.now(),
    });
    const created = await fetch(`${workerUrl}/create`, { method: "POST", body: JSON.stringify(spec) });
    const machine = (await created.json()) as { cloudID: string; sshPort: number; host: string };
    expect(created.status, JSON.stringify(machine)).toBe(200);
    expect(machine.host).toBe("127.0.0.1");
    expect((await execOnce(machine.sshPort, key.private, "echo from-workerd")).stdout).toBe("from-workerd\n");

    const found = (await (await fetch(`${workerUrl}/find?lease=${leaseID}`)).json()) as Array<{
      cloudID: string;
    }>;
    expect(found.map((m) => m.cloudID)).toEqual([machine.cloudID]);
    const listed = (await (await fetch(`${workerUrl}/list`)).json()) as Array<{ cloudID: string }>;
    expect(listed.map((m) => m.cloudID)).toContain(machine.cloudID);

    const target = JSON.stringify({ cloudID: machine.cloudID, leaseID });
    expect(await (await fetch(`${workerUrl}/delete`, { method: "POST", body: target })).json()).toEqual({
      outcome: "deleted",
    });
    expect(await (await fetch(`${workerUrl}/delete`, { method: "POST", body: target })).json()).toEqual({
      outcome: "already_gone",
    });
    expect(host.list()).toEqual([]);
  });
});
