import { describe, expect, it } from "vitest";
import { type ManifestEntry, manifestFingerprint } from "../../../src/cli/sync/manifest";
import { parseSnapshot, posixDeletionScript } from "../../../src/cli/sync/remote-posix";
import { emptiedDirectories, encodeState, parseState, planSync } from "../../../src/cli/sync/state";

function entry(path: string, hash: string, extra: Partial<ManifestEntry> = {}): ManifestEntry {
  return { path, kind: "file", mode: 0o644, size: hash.length, mtimeMs: 0, hash, ...extra };
}

function manifestOf(entries: ManifestEntry[]) {
  return { entries, fingerprint: manifestFingerprint(entries) };
}

describe("remote state file", () => {
  it("round-trips names with newlines, quotes and unicode", () => {
    const entries = [
      entry('a "b"\nc', "h1"),
      entry("ü/ß.txt", "h2", { mode: 0o755 }),
      entry("l", "h3", { kind: "symlink", mode: 0o777 }),
    ];
    const state = parseState(encodeState(manifestOf(entries)).toString("utf8"));
    expect(state?.fingerprint).toBe(manifestFingerprint(entries));
    expect([...(state?.entries.keys() ?? [])]).toEqual(['a "b"\nc', "ü/ß.txt", "l"]);
    expect(state?.entries.get("l")?.kind).toBe("symlink");
  });

  it("never trusts unsafe paths a machine might have written", () => {
    const text =
      'crabbox-sync-state v1 fp\n["../../etc/passwd","f",420,1,"x"]\n["/abs","f",420,1,"x"]\n["ok","f",420,1,"x"]\nnot json\n';
    expect([...(parseState(text)?.entries.keys() ?? [])]).toEqual(["ok"]);
    expect(parseState("something else\n")).toBeUndefined();
  });
});

describe("sync plan", () => {
  const before = [entry("keep", "k"), entry("change", "old"), entry("gone/deep/x", "g"), entry("mode", "m")];
  const after = [
    entry("keep", "k"),
    entry("change", "new"),
    entry("mode", "m", { mode: 0o755 }),
    entry("added", "a"),
  ];

  it("sends new, changed and re-moded files and deletes what disappeared", () => {
    const remote = parseState(encodeState(manifestOf(before)).toString("utf8"));
    const plan = planSync(manifestOf(after), remote, new Set());
    expect(plan.send.map((e) => e.path).sort()).toEqual(["added", "change", "mode"]);
    expect(plan.deletions).toEqual(["gone/deep/x"]);
    expect(plan.unchanged).toBe(1);
  });

  it("resends files that were modified on the machine", () => {
    const remote = parseState(encodeState(manifestOf(after)).toString("utf8"));
    expect(planSync(manifestOf(after), remote, new Set(["keep"])).send.map((e) => e.path)).toEqual(["keep"]);
  });

  it("sends everything to a machine without state", () => {
    expect(planSync(manifestOf(after), undefined, new Set()).send).toHaveLength(4);
  });

  it("removes only directories that deletions emptied, deepest first", () => {
    expect(emptiedDirectories(["gone/deep/x", "src/old.ts"], [{ path: "src/new.ts" }])).toEqual([
      "gone/deep",
      "gone",
    ]);
  });

  it("quotes every deleted path for sh", () => {
    expect(posixDeletionScript(["a b", "it's"], ["d"])).toBe(
      "rm -f -- 'a b' 'it'\\''s' 2>/dev/null || true\nrmdir -- d 2>/dev/null || true",
    );
  });
});

describe("snapshot answer", () => {
  it("splits status, recorded fingerprint, state text and drifted paths", () => {
    const parsed = parseSnapshot(
      Buffer.from("crabbox-sync full abc\nSTATE\nLINES\n\0crabbox-drift\0./a b\0./ü\0"),
    );
    expect(parsed).toMatchObject({ status: "full", fingerprint: "abc", stateText: "STATE\nLINES\n" });
    expect([...parsed.drift]).toEqual(["a b", "ü"]);
    expect(parseSnapshot(Buffer.from("crabbox-sync known abc\n\0crabbox-drift\0"))).toMatchObject({
      status: "known",
      fingerprint: "abc",
    });
    expect(parseSnapshot(Buffer.from("crabbox-sync none\n\0crabbox-drift\0")).status).toBe("none");
    expect(() => parseSnapshot(Buffer.from("bash: oops\n"))).toThrow(/unexpected/);
  });
});
