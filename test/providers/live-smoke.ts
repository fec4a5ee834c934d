/**
 * Live smoke test against a real cloud account — NEVER run in CI or by the test suite.
 * Creates one small machine with a fresh key, waits until `crabbox-ready` passes over SSH,
 * deletes it and checks that nothing labelled with the lease is left.
 *
 *   CRABBOX_LIVE_SMOKE=1 HETZNER_TOKEN=… npx tsx test/providers/live-smoke.ts hetzner
 *   CRABBOX_LIVE_SMOKE=1 AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… CRABBOX_AWS_REGION=eu-west-1 \
 *     CRABBOX_SMOKE_CIDR=$(curl -s https://checkip.amazonaws.com)/32 npx tsx test/providers/live-smoke.ts aws
 *
 * It costs a few cents: a small type (CRABBOX_SMOKE_TYPE overrides it) lives a few minutes.
 */
import ssh2 from "ssh2";
import { newLeaseId, providerKeyForLease, slugForLeaseId } from "../../src/domain/ids";
import { awsProviderFromEnv } from "../../src/providers/aws/from-env";
import { hetznerProviderFromEnv } from "../../src/providers/hetzner/from-env";
import { crabboxLabels } from "../../src/providers/labels";
import type { MachineSpec, Provider, ProvisionedMachine } from "../../src/providers/provider";

const { Client, utils } = ssh2;

const which = process.argv[2];
if (process.env.CRABBOX_LIVE_SMOKE !== "1" || (which !== "hetzner" && which !== "aws")) {
  console.error(
    "usage: CRABBOX_LIVE_SMOKE=1 npx tsx test/providers/live-smoke.ts hetzner|aws (creates a real machine)",
  );
  process.exit(2);
}

const provider: Provider =
  which === "hetzner" ? hetznerProviderFromEnv(process.env) : awsProviderFromEnv(process.env);
const keys = utils.generateKeyPairSync("ed25519");
const leaseID = newLeaseId();
const slug = slugForLeaseId(leaseID);
const serverType = process.env.CRABBOX_SMOKE_TYPE ?? (which === "hetzner" ? "cx22" : "t3.small");
const createdAt = Date.now();
const spec: MachineSpec = {
  leaseID,
  slug,
  owner: "live-smoke",
  org: "crabbox",
  target: "linux",
  class: serverType,
  serverType,
  serverTypeExplicit: true,
  market: which === "aws" ? "spot" : "on-demand",
  sshPublicKey: keys.public,
  sshUser: "crabbox",
  sshPort: 2222,
  sshFallbackPorts: [22],
  workRoot: "/work/crabbox",
  sshCIDRs: process.env.CRABBOX_SMOKE_CIDR ? [process.env.CRABBOX_SMOKE_CIDR] : undefined,
  labels: crabboxLabels({
    leaseID,
    slug,
    owner: "live-smoke",
    provider: which,
    target: "linux",
    class: serverType,
    serverType,
    profile: "smoke",
    providerKey: providerKeyForLease(leaseID),
    keep: false,
    createdAt,
    ttlSeconds: 1800,
    idleTimeoutSeconds: 1800,
  }),
  createdAt,
};

function readyOverSSH(machine: ProvisionedMachine, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const client = new Client();
    client
      .on("ready", () => {
        client.exec("/usr/local/bin/crabbox-ready", (error, stream) => {
          if (error) return resolve(false);
          stream.on("close", (code: number) => {
            client.end();
            resolve(code === 0);
          });
          stream.resume();
        });
      })
      .on("error", () => resolve(false))
      .connect({
        host: machine.host,
        port,
        username: machine.sshUser,
        privateKey: keys.private,
        readyTimeout: 10_000,
      });
  });
}

let machine: ProvisionedMachine | undefined;
try {
  console.error(`creating ${which} ${serverType} for ${leaseID}…`);
  machine = await provider.create(spec);
  console.error(`created ${machine.cloudID} at ${machine.host}; waiting for crabbox-ready (up to 20 min)`);
  const deadline = Date.now() + 20 * 60_000;
  let ready = false;
  while (!ready && Date.now() < deadline) {
    for (const port of [machine.sshPort, ...machine.sshFallbackPorts]) {
      if (await readyOverSSH(machine, port)) {
        console.error(`ready on port ${port}`);
        ready = true;
        break;
      }
    }
    if (!ready) await new Promise((r) => setTimeout(r, 10_000));
  }
  if (!ready) process.exitCode = 1;
} finally {
  const outcome = await provider.delete({
    cloudID: machine?.cloudID ?? "",
    leaseID,
    region: machine?.region,
  });
  const left = await provider.findByLease(leaseID);
  console.error(`delete: ${outcome}; machines left for the lease: ${left.length}`);
  if (left.length > 0) process.exitCode = 1;
}
