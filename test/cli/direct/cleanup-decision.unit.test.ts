import { describe, expect, it } from "vitest";
import { BUSY_GRACE_MS, cleanupDecision } from "../../../src/cli/direct/cleanup-decision";
import { labelTimeMs, touchLabels } from "../../../src/cli/direct/labels";

const now = Date.UTC(2026, 10, 28, 12, 0, 0);
const sec = (ms: number) => String(Math.floor(ms / 1000));
const me = { owner: "me_laptop" };
const base = (extra: Record<string, string> = {}) => ({
  crabbox: "true",
  created_by: "crabbox",
  direct: "true",
  owner: "me_laptop",
  lease: "cbx_0123456789ab",
  keep: "false",
  state: "ready",
  expires_at: sec(now - 1000),
  ...extra,
});

describe("cleanup decision", () => {
  it("deletes an own direct machine past its expiry, and not one second before", () => {
    expect(cleanupDecision(base(), now, me).action).toBe("delete");
    expect(cleanupDecision(base({ expires_at: sec(now + 1000) }), now, me).action).toBe("skip");
  });

  it("never deletes what its labels do not prove to be this user's crabbox direct machine", () => {
    const { direct: _, ...brokered } = base();
    for (const labels of [
      {},
      base({ crabbox: "false" }),
      base({ created_by: "someone" }),
      base({ lease: "cbx_short" }),
      brokered,
      base({ owner: "colleague" }),
      base({ keep: "true", state: "failed" }),
    ]) {
      expect(cleanupDecision(labels, now, me).action).toBe("skip");
    }
  });

  it("deletes ended machines at once and gives busy ones twelve hours of grace", () => {
    for (const state of ["failed", "released", "expired"]) {
      expect(cleanupDecision(base({ state, expires_at: sec(now + 99_000) }), now, me).action).toBe("delete");
    }
    const running = base({ state: "running", expires_at: sec(now - BUSY_GRACE_MS + 60_000) });
    expect(cleanupDecision(running, now, me).action).toBe("skip");
    const stale = base({ state: "running", expires_at: sec(now - BUSY_GRACE_MS - 60_000) });
    expect(cleanupDecision(stale, now, me)).toEqual({ action: "delete", reason: "stale state=running" });
  });

  it("skips machines without a readable expiry, and reads legacy RFC 3339 labels", () => {
    expect(cleanupDecision(base({ expires_at: "soon" }), now, me).action).toBe("skip");
    expect(labelTimeMs("2026-11-28T11_00_00Z")).toBe(now - 3_600_000);
    expect(cleanupDecision(base({ expires_at: "2026-11-28T11_00_00Z" }), now, me).action).toBe("delete");
  });
});

describe("label touch", () => {
  it("moves last_touched_at and recomputes expires_at as min(created + ttl, now + idle)", () => {
    const created = now - 3600_000;
    const labels = { created_at: sec(created), ttl_secs: "5400", idle_timeout_secs: "1800", state: "ready" };
    const idleBound = touchLabels(labels, now, { ttlSeconds: 1, idleTimeoutSeconds: 1 });
    expect(idleBound.last_touched_at).toBe(sec(now));
    expect(idleBound.expires_at).toBe(sec(created + 5400_000)); // ttl ends before now + 30 min
    const early = touchLabels(labels, created + 60_000, { ttlSeconds: 1, idleTimeoutSeconds: 1 }, "running");
    expect(early.expires_at).toBe(sec(created + 60_000 + 1800_000));
    expect(early.state).toBe("running");
  });

  it("falls back to the configured durations when the labels lack them", () => {
    const touched = touchLabels({ created_at: sec(now) }, now, { ttlSeconds: 600, idleTimeoutSeconds: 300 });
    expect(touched.expires_at).toBe(sec(now + 300_000));
  });
});
