import { describe, expect, it } from "vitest";
import { slugWithCollisionSuffix } from "../../../src/domain/ids";
import { CrabboxError } from "../../../src/errors";
import { allocateSlug, requestedSlugBase } from "../../../src/worker/fleet/leases/slugs";

describe("slug allocation", () => {
  it("derives the slug from the lease ID when none is requested", () => {
    expect(requestedSlugBase(undefined, "cbx_abcdef123456")).toBe("blue-prawn");
    expect(requestedSlugBase("  ", "cbx_000000000001")).toBe("tidal-lobster");
  });

  it("normalises a requested slug", () => {
    expect(requestedSlugBase(" Blue Lobster ", "cbx_abcdef123456")).toBe("blue-lobster");
  });

  it("refuses requested slugs that are empty after normalisation or too long, naming the field", () => {
    for (const bad of ["!!!", "a".repeat(42)]) {
      try {
        requestedSlugBase(bad, "cbx_abcdef123456");
        throw new Error("expected a refusal");
      } catch (error) {
        expect((error as CrabboxError).code).toBe("invalid_request");
        expect((error as CrabboxError).details).toEqual({ field: "slug" });
      }
    }
  });

  it("keeps a free slug and suffixes a taken one deterministically", () => {
    expect(allocateSlug("blue-lobster", "cbx_abcdef123456", () => false)).toBe("blue-lobster");
    const taken = new Set(["blue-lobster"]);
    expect(allocateSlug("blue-lobster", "cbx_abcdef123456", (s) => taken.has(s))).toBe(
      slugWithCollisionSuffix("blue-lobster", "cbx_abcdef123456-0"),
    );
  });

  it("gives up with slug_conflict after twenty collisions", () => {
    expect(() => allocateSlug("x", "cbx_abcdef123456", () => true)).toThrow(CrabboxError);
  });
});
