import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poolAgentPort } from "../../../src/providers/pool-agent/client";
import { type RunningFakeArm, startFakeArm } from "../../support/fake-arm";
import { loopbackAgentClient, runAgentOfCloudInit } from "../../support/python-pool-agent";
import { leaseSpec, providerFor, testPublicKey } from "../azure/harness";

// The real Azure provider against the loopback ARM fake creates a pool machine; the REAL agent
// then runs with the port-forwarded config the VM's customData carries, and the provider's
// isReady/authorizeKey reach it at the VM's public address (forwarded to loopback).

let arm: RunningFakeArm;
let dir: string;
beforeAll(async () => {
  arm = await startFakeArm();
  dir = await mkdtemp(join(tmpdir(), "crabbox-azure-pool-"));
});
afterAll(async () => {
  await arm.close();
  await rm(dir, { recursive: true, force: true });
});

const secret = "fleet-secret-of-the-azure-pool-test";
const leaseKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILeaseKeyLeaseKeyLeaseKeyLeaseKeyLease0 alice@laptop";

describe("an Azure pool machine and its agent", () => {
  it("opens the agent port in the NSG, carries the token only in customData, and hands over through the agent", async () => {
    const { client: agentClient, localPort, dialled } = await loopbackAgentClient(secret);
    const provider = providerFor(arm, {}, { poolAgent: agentClient });
    const spec = leaseSpec({ leaseID: "cbx_00000000pool", market: "on-demand" });
    spec.poolAgent = await agentClient.machineAgent(spec.leaseID);
    const machine = await provider.create(spec);

    const rules = arm.fake.find("networkSecurityGroup", "crabbox-nsg").properties.securityRules as {
      properties: { destinationPortRange: string; access: string };
    }[];
    const allowed = rules.filter((r) => r.properties.access === "Allow");
    expect(allowed.map((r) => r.properties.destinationPortRange).sort()).toEqual(
      ["2222", "22", String(poolAgentPort)].sort(),
    );
    const vm = arm.fake.find("virtualMachine", machine.cloudID);
    const token = spec.poolAgent.token;
    expect(JSON.stringify(vm.tags)).not.toContain(token);
    const cloudInit = Buffer.from(vm.properties.osProfile.customData, "base64").toString("utf8");
    expect(cloudInit.split(token)).toHaveLength(2);

    const agent = await runAgentOfCloudInit(dir, cloudInit, localPort);
    const { config } = agent;
    expect(await readFile(config.authorizedKeysPath, "utf8")).toBe(`${testPublicKey}\n`);
    try {
      expect(await agent.started).toBe("listening");
      const target = { cloudID: machine.cloudID, leaseID: spec.leaseID };
      expect(await provider.isReady(target)).toBe(false);
      // Without a host in the target, the provider found the VM's public address itself.
      expect(dialled.at(-1)).toEqual({ hostname: machine.host, port: poolAgentPort });
      await writeFile(config.readyMarker, "");
      expect(await provider.isReady({ ...target, host: machine.host })).toBe(true);
      await provider.authorizeKey({ ...target, host: machine.host }, leaseKey);
      expect(await readFile(config.authorizedKeysPath, "utf8")).toBe(`${leaseKey}\n`);
      expect(await agent.exited).toBe(0);
    } finally {
      await agent.stop();
    }
  });

  it("refuses the pool calls when the coordinator has no pool agent secret, naming it", async () => {
    const provider = providerFor(arm);
    await expect(provider.isReady({ cloudID: "x", leaseID: "cbx_00000000pool" })).rejects.toMatchObject({
      code: "config",
      details: { field: "CRABBOX_POOL_AGENT_SECRET" },
    });
  });
});
