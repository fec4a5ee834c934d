import { describe, expect, it } from "vitest";
import {
  checkDeletionGuard,
  checkSizeGuards,
  heaviestDirectories,
  isMassDeletion,
} from "../../../src/cli/sync/guards";
import { isCrabboxError } from "../../../src/errors";

function codeOf(fn: () => void): string {
  try {
    fn();
    return "passed";
  } catch (error) {
    return isCrabboxError(error) ? `${error.code}:${error.exitCode}` : String(error);
  }
}

describe("size guards", () => {
  const paths = [
    { path: "data/big.bin", size: 900 },
    { path: "src/a.ts", size: 50 },
    { path: "README.md", size: 10 },
  ];

  it("refuse a candidate over the file or byte limit with exit code 6 and name the heaviest directory", () => {
    expect(
      codeOf(() =>
        checkSizeGuards({ files: 3, bytes: 960, paths }, { maxFiles: 2, maxBytes: 0, allowLarge: false }),
      ),
    ).toBe("sync_failed:6");
    try {
      checkSizeGuards({ files: 3, bytes: 960, paths }, { maxFiles: 0, maxBytes: 500, allowLarge: false });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/data \(1 files/);
      expect((error as Error).message).toMatch(/--force-sync-large/);
    }
  });

  it("pass at the limit, with limits disabled, or with the override", () => {
    expect(
      codeOf(() =>
        checkSizeGuards({ files: 3, bytes: 960, paths }, { maxFiles: 3, maxBytes: 960, allowLarge: false }),
      ),
    ).toBe("passed");
    expect(
      codeOf(() =>
        checkSizeGuards({ files: 3, bytes: 960, paths }, { maxFiles: 0, maxBytes: -1, allowLarge: false }),
      ),
    ).toBe("passed");
    expect(
      codeOf(() =>
        checkSizeGuards({ files: 3, bytes: 960, paths }, { maxFiles: 1, maxBytes: 1, allowLarge: true }),
      ),
    ).toBe("passed");
  });

  it("rank directories by bytes", () => {
    expect(heaviestDirectories(paths, 2)).toEqual(["data (1 files, 900 B)", "src (1 files, 50 B)"]);
  });
});

describe("mass-deletion guard", () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => `f${i}`);

  it("trips at the absolute threshold or when more than half of a real tree would go", () => {
    expect(isMassDeletion({ deletions: many(200), remoteFiles: 100_000 })).toBe(true);
    expect(isMassDeletion({ deletions: many(199), remoteFiles: 100_000 })).toBe(false);
    expect(isMassDeletion({ deletions: many(6), remoteFiles: 10 })).toBe(true);
    expect(isMassDeletion({ deletions: many(5), remoteFiles: 10 })).toBe(false);
  });

  it("leaves tiny trees alone so that small repositories can churn", () => {
    expect(isMassDeletion({ deletions: many(3), remoteFiles: 4 })).toBe(false);
  });

  it("fails with the override named, and the override lets it through", () => {
    expect(
      codeOf(() =>
        checkDeletionGuard({ deletions: many(300), remoteFiles: 400 }, { allowMassDelete: false }),
      ),
    ).toBe("sync_failed:6");
    expect(
      codeOf(() => checkDeletionGuard({ deletions: many(300), remoteFiles: 400 }, { allowMassDelete: true })),
    ).toBe("passed");
  });
});
