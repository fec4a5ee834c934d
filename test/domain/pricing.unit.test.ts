import { describe, expect, it } from "vitest";
import { parsePriceOverrides, resolveHourlyPrice } from "../../src/domain/pricing";

describe("hourly prices", () => {
  it("lets the override beat the provider's live price and the table", () => {
    const overrides = parsePriceOverrides('{"aws:c7a.48xlarge": 12}');
    expect(
      resolveHourlyPrice({ provider: "aws", serverType: "c7a.48xlarge", overrides, providerPriceUSD: 4 }),
    ).toEqual({ usd: 12, source: "override" });
  });

  it("uses the live provider price over the table", () => {
    expect(resolveHourlyPrice({ provider: "aws", serverType: "c7a.48xlarge", providerPriceUSD: 4 })).toEqual({
      usd: 4,
      source: "provider",
    });
  });

  it("falls back to the built-in table, then to the per-provider fallback", () => {
    expect(resolveHourlyPrice({ provider: "hetzner", serverType: "ccx63" })).toEqual({
      usd: 1.08,
      source: "table",
    });
    expect(resolveHourlyPrice({ provider: "aws", serverType: "mystery.metal" }).usd).toBe(3);
    expect(resolveHourlyPrice({ provider: "azure", serverType: "Standard_D2ads_v6" }).usd).toBe(0.5);
  });

  it("prices local machines at zero", () => {
    expect(resolveHourlyPrice({ provider: "local", serverType: "local" }).usd).toBe(0);
  });

  it("honours an Azure override and the nested override form", () => {
    const flat = parsePriceOverrides('{"azure:Standard_D2ads_v6": "0.25"}');
    expect(
      resolveHourlyPrice({ provider: "azure", serverType: "Standard_D2ads_v6", overrides: flat }).usd,
    ).toBe(0.25);
    const nested = parsePriceOverrides('{"hetzner": {"ccx63": 2}}');
    expect(resolveHourlyPrice({ provider: "hetzner", serverType: "ccx63", overrides: nested }).usd).toBe(2);
  });

  it("ignores invalid JSON and non-positive entries", () => {
    expect(parsePriceOverrides("{nope").size).toBe(0);
    expect(parsePriceOverrides('{"aws:a": 0, "aws:b": -1, "aws:c": "x", "aws:d": 1}')).toEqual(
      new Map([["aws:d", 1]]),
    );
  });
});
