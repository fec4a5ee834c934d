import { describe, expect, it } from "vitest";
import { azureSizeCandidates, azureSizesForClass } from "../../../src/providers/azure/classes";

describe("azure VM size ladders", () => {
  it("puts the requested size first and keeps the rest of the class ladder once each", () => {
    const sizes = azureSizeCandidates({
      target: "linux",
      class: "beast",
      serverType: "Standard_D64ds_v6",
      serverTypeExplicit: false,
    });
    expect(sizes[0]).toBe("Standard_D64ds_v6");
    expect(new Set(sizes).size).toBe(sizes.length);
    expect(sizes.slice(1)).toEqual(
      azureSizesForClass("linux", "beast").filter((s) => s !== "Standard_D64ds_v6"),
    );
  });

  it("tries an explicit size alone", () => {
    expect(
      azureSizeCandidates({
        target: "linux",
        class: "beast",
        serverType: "Standard_F8s_v2",
        serverTypeExplicit: true,
      }),
    ).toEqual(["Standard_F8s_v2"]);
  });

  it("keeps native Windows on small sizes and treats an unknown class as a size name", () => {
    expect(azureSizesForClass("windows", "standard")[0]).toBe("Standard_D2ads_v6");
    expect(azureSizesForClass("windows", "beast").every((s) => /D(8|16)/.test(s))).toBe(true);
    expect(azureSizesForClass("linux", "Standard_NC6")).toEqual(["Standard_NC6"]);
    expect(azureSizesForClass("linux", "constructor")).toEqual(["constructor"]);
  });
});
