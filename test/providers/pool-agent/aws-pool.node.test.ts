import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poolAgentPort } from "../../../src/providers/pool-agent/client";
import { loopbackAgentClient, runAgentOfCloudInit } from "../../support/python-pool-agent";
import { fakeAwsForFile } from "../aws/fake-aws";

// The real AWS provider against the loopback EC2 fake creates a machine that runs the pool
// agent; the REAL agent then runs with the config its UserData carries. AWS pools stay refused
// by CRABBOX_POOLS (docs/providers.md#ready-pools): this covers the agent's half of the work.

const { fake, provider, spec } = fakeAwsForFile();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "crabbox-aws-pool-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const secret = "fleet-secret-of-the-aws-pool-test";
const leaseKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILeaseKeyLeaseKeyLeaseKeyLeaseKeyLease0 alice@laptop";

describe("an AWS machine with the pool agent", () => {
  it("admits the agent port in its group, carries the token only in UserData, and hands over through the agent", async () => {
    const { client: agentClient, localPort, dialled } = await loopbackAgentClient(secret);
    const aws = provider({ poolAgent: agentClient });
    const s = spec();
    s.poolAgent = await agentClient.machineAgent(s.leaseID);
    const machine = await aws.create(s);

    const [group] = fake.inventory().groups;
    expect(group?.ingress).toEqual([
      { protocol: "tcp", port: 2222, cidr: "203.0.113.7/32", description: "Crabbox SSH" },
      { protocol: "tcp", port: 22, cidr: "203.0.113.7/32", description: "Crabbox SSH" },
      { protocol: "tcp", port: poolAgentPort, cidr: "0.0.0.0/0", description: "Crabbox pool agent" },
    ]);
    const [instance] = fake.inventory().instances;
    const token = s.poolAgent.token;
    expect(JSON.stringify(instance?.tags)).not.toContain(token);
    expect(JSON.stringify(group?.tags)).not.toContain(token);
    const cloudInit = instance?.userData ?? "";
    expect(cloudInit.split(token)).toHaveLength(2);

    const agent = await runAgentOfCloudInit(dir, cloudInit, localPort);
    try {
      expect(await agent.started).toBe("listening");
      const target = { cloudID: machine.cloudID, leaseID: s.leaseID, region: machine.region };
      expect(await aws.isReady(target)).toBe(false);
      // Without a host in the target, the provider found the instance's public address itself.
      expect(dialled.at(-1)).toEqual({ hostname: machine.host, port: poolAgentPort });
      await writeFile(agent.config.readyMarker, "");
      expect(await aws.isReady({ ...target, host: machine.host })).toBe(true);
      await aws.authorizeKey({ ...target, host: machine.host }, leaseKey);
      expect(await readFile(agent.config.authorizedKeysPath, "utf8")).toBe(`${leaseKey}\n`);
      expect(await agent.exited).toBe(0);
    } finally {
      await agent.stop();
    }
  });

  it("opens no agent port for a lease machine", async () => {
    await provider().create(spec());
    const [group] = fake.inventory().groups;
    expect(group?.ingress.map((r) => r.port)).toEqual([2222, 22]);
  });
});
