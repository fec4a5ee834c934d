import { describe, expect, it } from "vitest";
import { boundResults } from "../../src/domain/results";
import { truncateUtf8 } from "../../src/domain/utf8";

describe("test result summaries", () => {
  it("accepts Go nil slices in passing results", () => {
    expect(
      boundResults({ format: "junit", files: null, suites: 1, tests: 3, failures: 0, failed: null }),
    ).toEqual({
      format: "junit",
      files: [],
      suites: 1,
      tests: 3,
      failures: 0,
      errors: 0,
      skipped: 0,
      timeSeconds: 0,
      failed: [],
    });
  });

  it("bounds files, failures and string lengths", () => {
    const long = "x".repeat(5000);
    const summary = boundResults({
      files: Array.from({ length: 80 }, (_, i) => `f${i}.xml`),
      failures: 150,
      failed: Array.from({ length: 150 }, (_, i) => ({
        suite: "s",
        name: `t${i}`,
        message: long,
        kind: "error",
      })),
    });
    expect(summary?.files).toHaveLength(50);
    expect(summary?.failed).toHaveLength(100);
    expect(summary?.failures).toBe(150);
    expect(summary?.failed[0]?.message).toHaveLength(4096);
    expect(summary?.failed[0]?.kind).toBe("error");
  });

  it("ignores non-object input", () => {
    expect(boundResults("junit")).toBeUndefined();
    expect(boundResults(null)).toBeUndefined();
  });

  it("never splits a multi-byte character when truncating", () => {
    const crabs = "🦀".repeat(3); // 4 bytes each
    expect(truncateUtf8(crabs, 6)).toBe("🦀");
    expect(truncateUtf8(crabs, 12)).toBe(crabs);
  });
});
