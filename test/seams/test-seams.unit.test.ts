import { afterEach, describe, expect, it } from "vitest";
import { LocalProvider } from "../../src/providers/local";
import { providerFor } from "../../src/providers/registry";
import { testSeams, withTestEnv } from "../../src/test-seams";
import { fleetClock } from "../../src/worker/fleet/clock";

const testMode = { CRABBOX_TEST_MODE: "1" };
const fake = new LocalProvider({ baseUrl: "http://127.0.0.1:1", token: "t" });

describe("test seams", () => {
  let advanced = 0;
  afterEach(() => {
    testSeams.reset();
    testSeams.advanceClock(-advanced);
    advanced = 0;
  });

  it("route providers to the installed factory only when the environment is in test mode", () => {
    testSeams.installProviders(() => fake);
    expect(providerFor("local", testMode)).toBe(fake);
    expect(() => providerFor("local", {})).toThrow(/CRABBOX_LOCAL_HOST_URL/);
    expect(() => providerFor("local", { CRABBOX_TEST_MODE: "true" })).toThrow(/CRABBOX_LOCAL_HOST_URL/);
  });

  it("fall back to the registry's own provider when the factory has none for that name", () => {
    testSeams.installProviders(() => undefined);
    expect(() => providerFor("local", testMode)).toThrow(/CRABBOX_LOCAL_HOST_URL/);
  });

  it("layer environment overrides only in test mode, and reset drops them", () => {
    testSeams.setEnv({ CRABBOX_PROVISION_WAIT_MS: "1" });
    expect(withTestEnv({ ...testMode, A: "a" })).toEqual({
      ...testMode,
      A: "a",
      CRABBOX_PROVISION_WAIT_MS: "1",
    });
    const production = { A: "a" };
    expect(withTestEnv(production)).toBe(production);
    testSeams.reset();
    expect(withTestEnv(testMode)).toEqual(testMode);
  });

  it("move the Fleet clock only for an environment in test mode", () => {
    const hour = 3_600_000;
    testSeams.advanceClock(hour);
    advanced = hour;
    const before = Date.now();
    expect(fleetClock.now(testMode)).toBeGreaterThanOrEqual(before + hour);
    expect(fleetClock.now({})).toBeLessThan(before + hour);
    expect(fleetClock.toRealTime(before + hour, testMode)).toBe(before);
    expect(fleetClock.toRealTime(before, {})).toBe(before);
    expect(fleetClock.fromRealTime(before, testMode)).toBe(before + hour);
  });
});
