import { describe, expect, it } from "vitest";
import { normalizeSlug, providerMachineName, slugForLeaseId } from "../../src/domain/ids";

describe("slugs and names", () => {
  it("derives the reference's golden slugs from lease IDs", () => {
    expect(slugForLeaseId("cbx_000000000001")).toBe("tidal-lobster");
    expect(slugForLeaseId("cbx_abcdef123456")).toBe("blue-prawn");
    expect(slugForLeaseId("cbx_deadbeefcafe")).toBe("silver-crab");
  });

  it("normalises requested slugs the way the reference does", () => {
    expect(normalizeSlug(" Blue Lobster ")).toBe("blue-lobster");
    expect(normalizeSlug("--x__y--")).toBe("x-y");
  });

  it("names cloud machines after slug and lease hash", () => {
    expect(providerMachineName("cbx_abcdef123456", "blue-lobster")).toBe("crabbox-blue-lobster-c80c2195");
    expect(providerMachineName("cbx_abcdef123456", "")).toBe("crabbox-cbx-abcdef123456");
  });
});
