import { beforeEach, describe, expect, it } from "vitest";
import { api } from "../../support/fleet-api";
import { drainPools, pooledFleet } from "./support";

const secret = { CRABBOX_POOL_AGENT_SECRET: "fleet-secret-of-this-test" };

async function poolAnswer() {
  const res = await api("admin", "GET", "/v1/pool");
  expect(res.status, res.text).toBe(200);
  return res.body as { pools: { provider: string }[]; poolConfigError?: string };
}

beforeEach(drainPools);

describe("ready pool settings for the clouds", () => {
  it("accepts Hetzner and Azure pools when the pool agent secret is set", async () => {
    pooledFleet(
      [
        { provider: "hetzner", class: "beast", min: 0, max: 1 },
        { provider: "azure", class: "standard", min: 0, max: 1 },
      ],
      secret,
    );
    const body = await poolAnswer();
    expect(body.poolConfigError).toBeUndefined();
    expect(body.pools.map((p) => p.provider)).toEqual(["hetzner", "azure"]);
  });

  it("refuses a cloud pool without the secret, naming CRABBOX_POOL_AGENT_SECRET", async () => {
    pooledFleet([{ provider: "azure", class: "standard", min: 0, max: 1 }]);
    const body = await poolAnswer();
    expect(body.pools).toEqual([]);
    expect(body.poolConfigError).toBe(
      "CRABBOX_POOLS.0.provider: ready pools on azure need the CRABBOX_POOL_AGENT_SECRET secret (docs/deploy.md)",
    );
  });

  it("refuses AWS pools, saying why, even with the secret", async () => {
    pooledFleet([{ provider: "aws", class: "beast", min: 0, max: 1 }], secret);
    expect((await poolAnswer()).poolConfigError).toMatch(
      /^CRABBOX_POOLS\.0\.provider: an AWS lease admits SSH only from its own CIDRs.*only local, hetzner, azure/,
    );
  });

  it("refuses Windows pools and classes a provider's Linux machines lack, naming the field", async () => {
    pooledFleet([{ provider: "hetzner", class: "beast", target: "windows", min: 0, max: 1 }], secret);
    expect((await poolAnswer()).poolConfigError).toMatch(
      /^CRABBOX_POOLS\.0\.target: pool machines are Linux only: Windows machines run no pool agent/,
    );
    pooledFleet([{ provider: "hetzner", class: "gpu", min: 0, max: 1 }], secret);
    expect((await poolAnswer()).poolConfigError).toMatch(
      /^CRABBOX_POOLS\.0\.class: gpu is not a Linux class of hetzner; use one of standard, fast, large, beast/,
    );
  });
});
