import { describe, expect, it } from "vitest";
import { hetznerProviderFromEnv } from "../../../src/providers/hetzner/from-env";
import { FakeHetzner } from "../../support/fake-hetzner";
import { machineSpec } from "../../support/machine-spec";
import { servedDuringFile } from "../../support/served-during-file";

const fake = new FakeHetzner();
const server = servedDuringFile(fake);

describe("Hetzner provider from the environment", () => {
  it("uses the token, API URL, location and image it is given", async () => {
    const provider = hetznerProviderFromEnv({
      HETZNER_TOKEN: fake.token,
      CRABBOX_HETZNER_API_URL: server.url,
      CRABBOX_HETZNER_LOCATION: "nbg1",
      CRABBOX_HETZNER_IMAGE: "ubuntu-22.04",
    });
    const machine = await provider.create(machineSpec("hetzner"));
    expect(machine.region).toBe("nbg1");
    expect(fake.inventory().servers[0]).toMatchObject({ location: "nbg1", image: "ubuntu-22.04" });
  });

  it.each([
    [{}, "HETZNER_TOKEN"],
    [{ HETZNER_TOKEN: "secret-token-value", CRABBOX_HETZNER_API_URL: "ftp://x" }, "CRABBOX_HETZNER_API_URL"],
    [
      { HETZNER_TOKEN: "secret-token-value", CRABBOX_HETZNER_LOCATION: "Falkenstein" },
      "CRABBOX_HETZNER_LOCATION",
    ],
    [{ HETZNER_TOKEN: "secret-token-value", CRABBOX_EUR_TO_USD: "-1" }, "CRABBOX_EUR_TO_USD"],
  ])("refuses %o with a config error naming %s and never echoing the token", (env, field) => {
    try {
      hetznerProviderFromEnv(env);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "config", details: { field } });
      expect(JSON.stringify(error) + String(error)).not.toContain("secret-token-value");
    }
  });
});
