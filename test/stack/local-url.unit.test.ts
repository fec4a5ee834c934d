import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isLocalStackUrl } from "../../src/stack";

/** No stack.json anywhere: only the port rule applies. */
const noState = { CRABBOX_STATE_DIR: join(tmpdir(), "crabbox-no-such-state-dir") };

describe("recognising the local stack's URL in a user config", () => {
  it("accepts loopback on the stack's port, default 8787", () => {
    expect(isLocalStackUrl("http://127.0.0.1:8787", noState)).toBe(true);
    expect(isLocalStackUrl("http://localhost:8787/", noState)).toBe(true);
  });

  it("follows CRABBOX_PORT", () => {
    expect(isLocalStackUrl("http://127.0.0.1:9100", { ...noState, CRABBOX_PORT: "9100" })).toBe(true);
    expect(isLocalStackUrl("http://127.0.0.1:8787", { ...noState, CRABBOX_PORT: "9100" })).toBe(false);
  });

  it("recognises the port of the last stack started with --port", () => {
    const stateDir = mkdtempSync(join(tmpdir(), "crabbox-url-"));
    try {
      writeFileSync(
        join(stateDir, "stack.json"),
        JSON.stringify({ port: 9222, url: "http://127.0.0.1:9222" }),
      );
      expect(isLocalStackUrl("http://127.0.0.1:9222", { CRABBOX_STATE_DIR: stateDir })).toBe(true);
      expect(isLocalStackUrl("http://127.0.0.1:9223", { CRABBOX_STATE_DIR: stateDir })).toBe(false);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("rejects remote coordinators, other schemes and garbage", () => {
    expect(isLocalStackUrl("https://crabbox.example.com", noState)).toBe(false);
    expect(isLocalStackUrl("https://127.0.0.1:8787", noState)).toBe(false);
    expect(isLocalStackUrl("http://10.0.0.5:8787", noState)).toBe(false);
    expect(isLocalStackUrl("not a url", noState)).toBe(false);
  });
});
