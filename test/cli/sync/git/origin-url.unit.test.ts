import { describe, expect, it } from "vitest";
import { checkRemoteDeletions } from "../../../../src/cli/sync/git/mass-deletion";
import { machineOriginUrl } from "../../../../src/cli/sync/git/origin-url";
import { isCrabboxError } from "../../../../src/errors";

describe("the origin URL a machine may fetch", () => {
  it.each([
    ["https://user:ghp_secret@github.com/o/r.git", "https://github.com/o/r.git"],
    ["https://x-access-token:abc@github.com/o/r", "https://github.com/o/r"],
    ["git@github.com:o/r.git", "https://github.com/o/r.git"],
    ["git@github.com:o/r", "https://github.com/o/r.git"],
    ["ssh://git@gitlab.example.com:2222/group/r.git", "https://gitlab.example.com/group/r.git"],
    ["file:///srv/git/r.git", "file:///srv/git/r.git"],
    ["/srv/git/r.git", "/srv/git/r.git"],
  ])("%s → %s", (raw, expected) => {
    expect(machineOriginUrl(raw)).toBe(expected);
    expect(machineOriginUrl(raw)).not.toMatch(/secret|abc@|ghp_/);
  });

  it("offers nothing for empty, relative or unknown-scheme remotes", () => {
    expect(machineOriginUrl("")).toBeUndefined();
    expect(machineOriginUrl("../sibling")).toBeUndefined();
    expect(machineOriginUrl("ext::sh -c evil")).toBeUndefined();
  });
});

describe("the remote mass-deletion check", () => {
  const status = { deleted: 250, samples: ["a.txt", "b.txt"] };

  it("fails with exit 6, the count, the threshold, examples and how to override", () => {
    let error: unknown;
    try {
      checkRemoteDeletions(status, { threshold: 200, allow: false });
    } catch (e) {
      error = e;
    }
    expect(isCrabboxError(error) && error.exitCode).toBe(6);
    expect((error as Error).message).toMatch(
      /250 tracked files .*threshold 200.*a\.txt, b\.txt.*--allow-mass-deletions/,
    );
  });

  it("passes below the threshold, when allowed, or when disabled with 0", () => {
    expect(() =>
      checkRemoteDeletions({ deleted: 199, samples: [] }, { threshold: 200, allow: false }),
    ).not.toThrow();
    expect(() => checkRemoteDeletions(status, { threshold: 200, allow: true })).not.toThrow();
    expect(() => checkRemoteDeletions(status, { threshold: 0, allow: false })).not.toThrow();
  });
});
