import { describe, expect, it } from "vitest";
import {
  awsLinuxClasses,
  awsPolicyFallback,
  defaultServerType,
  hetznerClasses,
  serverTypeCandidates,
} from "../../src/providers/classes";

describe("class → server type candidates", () => {
  it("puts the requested type first, then the class chain, each once", () => {
    expect(
      serverTypeCandidates(
        { class: "large", serverType: "ccx43", serverTypeExplicit: false },
        hetznerClasses,
      ),
    ).toEqual(["ccx43", "ccx53", "cpx62", "cx53"]);
  });

  it("tries exactly the explicit type and never the last-resort small type", () => {
    expect(
      serverTypeCandidates(
        { class: "beast", serverType: "c7a.48xlarge", serverTypeExplicit: true },
        awsLinuxClasses,
        "t3.small",
      ),
    ).toEqual(["c7a.48xlarge"]);
  });

  it("ends a class request with the policy fallback", () => {
    const list = serverTypeCandidates(
      { class: "standard", serverType: "c7a.8xlarge", serverTypeExplicit: false },
      awsLinuxClasses,
      awsPolicyFallback.linux,
    );
    expect(list.at(-1)).toBe("t3.small");
    expect(list).toHaveLength(6);
  });

  it("does not try the class name itself when a request carries it as its type", () => {
    expect(
      serverTypeCandidates({ class: "fast", serverType: "fast", serverTypeExplicit: false }, hetznerClasses),
    ).toEqual(["ccx43", "cpx62", "cx53"]);
  });

  it("takes an unknown class as a literal type, and never inherits object prototype keys", () => {
    expect(
      serverTypeCandidates({ class: "cx22", serverType: "cx22", serverTypeExplicit: false }, hetznerClasses),
    ).toEqual(["cx22"]);
    expect(defaultServerType(hetznerClasses, "toString")).toBe("toString");
    expect(defaultServerType(hetznerClasses, "beast")).toBe("ccx63");
  });
});
