import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostHttpServer } from "../../src/local/http/host-http-server";
import { MachineHost } from "../../src/local/machine-host";
import { generateEd25519KeyPair } from "../../src/local/ssh/host-key";
import { LocalProvider } from "../../src/providers/local";
import { execOnce } from "./ssh-client";

// The pool machine's key hand-over (docs/providers.md#ready-pools), through the real local
// provider, the machine host's HTTP API and its SSH server.
describe("handing a local machine to a lease key", () => {
  let stateDir: string;
  let host: MachineHost;
  let server: HostHttpServer;
  let provider: LocalProvider;

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "crabbox-authorize-"));
    host = new MachineHost({ stateDir, bootstrapDelayMs: 1 });
    await host.start();
    server = new HostHttpServer(host, "host-token-0123456789");
    provider = new LocalProvider({ baseUrl: await server.listen(0), token: "host-token-0123456789" });
  });

  afterEach(async () => {
    await server.close();
    await host.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("makes the lease key the only key that opens the machine", async () => {
    const poolKey = generateEd25519KeyPair();
    const leaseKey = generateEd25519KeyPair();
    const machine = await provider.create({
      leaseID: "cbx_aaaaaaaaaaaa",
      slug: "pool-aaaaaa",
      owner: "crabbox-pool",
      org: "crabbox-pool",
      target: "linux",
      class: "beast",
      serverType: "local",
      serverTypeExplicit: false,
      market: "on-demand",
      sshPublicKey: poolKey.public,
      sshUser: "crabbox",
      sshPort: 0,
      sshFallbackPorts: [],
      workRoot: "/work/crabbox",
      labels: { crabbox: "true", lease: "cbx_aaaaaaaaaaaa", pool: "true" },
      createdAt: Date.now(),
    });
    const target = { cloudID: machine.cloudID, leaseID: "cbx_aaaaaaaaaaaa" };
    await expect.poll(() => provider.isReady(target), { timeout: 5000 }).toBe(true);
    await expect(execOnce(machine.sshPort, leaseKey.private, "true")).rejects.toThrow();

    await provider.authorizeKey(target, leaseKey.public);

    expect((await execOnce(machine.sshPort, leaseKey.private, "echo handed-over")).stdout).toContain(
      "handed-over",
    );
    await expect(execOnce(machine.sshPort, poolKey.private, "true")).rejects.toThrow();
  });

  it("answers a key hand-over for an unknown machine as not found, naming the machine", async () => {
    await expect(
      provider.authorizeKey(
        { cloudID: "nosuchmachine", leaseID: "cbx_aaaaaaaaaaaa" },
        generateEd25519KeyPair().public,
      ),
    ).rejects.toThrow(/404/);
  });
});
