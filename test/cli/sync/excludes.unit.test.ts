import { describe, expect, it } from "vitest";
import {
  DEFAULT_EXCLUDES,
  excludeMatcher,
  isSafeRelativePath,
  prunablePatterns,
} from "../../../src/cli/sync/excludes";

describe("exclude patterns", () => {
  const excluded = excludeMatcher([...DEFAULT_EXCLUDES, "docs/generated", "*.log", "build/*.o"]);

  it("exclude dependency and build directories at any depth", () => {
    expect(excluded("node_modules/x/index.js")).toBe(true);
    expect(excluded("packages/a/node_modules/b.js")).toBe(true);
    expect(excluded("crates/x/target/debug/bin")).toBe(true);
    expect(excluded("src/node_modules_helper.ts")).toBe(false);
  });

  it("match plain paths as prefixes only at a segment boundary", () => {
    expect(excluded("docs/generated/a.md")).toBe(true);
    expect(excluded("docs/generated")).toBe(true);
    expect(excluded("docs/generated-notes.md")).toBe(false);
  });

  it("match globs against segments and leading paths without crossing slashes", () => {
    expect(excluded("logs/today.log")).toBe(true);
    expect(excluded("._DS_store")).toBe(true);
    expect(excluded("apps/web/.build/x")).toBe(true);
    expect(excluded("build/a.o")).toBe(true);
    expect(excluded("build/sub/a.o")).toBe(false);
  });

  it("always exclude the engine's own state directory", () => {
    expect(excludeMatcher([])(".crabbox/manifest")).toBe(true);
  });

  it("offer only names and plain paths to the remote find for pruning", () => {
    expect(prunablePatterns(["node_modules", "a/b", "apps/*/.build", "*.log"])).toEqual({
      names: ["node_modules", "*.log", ".crabbox"],
      paths: ["a/b"],
    });
  });
});

describe("safe relative paths", () => {
  it("refuse anything that could leave the work directory", () => {
    for (const bad of ["", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a/.", "a\0b"]) {
      expect(isSafeRelativePath(bad)).toBe(false);
    }
    for (const good of ["a", "a/b c/ü.txt", ".env.example", "a/..b", "back\\slash"]) {
      expect(isSafeRelativePath(good)).toBe(true);
    }
  });
});
