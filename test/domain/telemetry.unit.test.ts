import { describe, expect, it } from "vitest";
import { mergeTelemetryRing, sanitizeTelemetry, type TelemetrySample } from "../../src/domain/telemetry";

const now = Date.parse("2026-11-28T12:00:00.000Z");

describe("telemetry sanitiser", () => {
  it("re-serialises capturedAt as ISO with milliseconds", () => {
    expect(sanitizeTelemetry({ capturedAt: "2026-11-28T01:02:03Z", load1: 1 }, now)?.capturedAt).toBe(
      "2026-11-28T01:02:03.000Z",
    );
  });

  it("falls back to the coordinator clock for an unparsable capturedAt", () => {
    expect(sanitizeTelemetry({ capturedAt: "yesterday-ish", load1: 1 }, now)?.capturedAt).toBe(
      "2026-11-28T12:00:00.000Z",
    );
  });

  it("caps loads, percentages and byte counts and truncates integers", () => {
    const sample = sanitizeTelemetry(
      {
        load1: 50_000,
        memoryPercent: 250,
        diskPercent: 42.5,
        memoryUsedBytes: 1024.9,
        uptimeSeconds: Number.MAX_VALUE,
      },
      now,
    );
    expect(sample).toMatchObject({
      load1: 10_000,
      memoryPercent: 100,
      diskPercent: 42.5,
      memoryUsedBytes: 1024,
      uptimeSeconds: Number.MAX_SAFE_INTEGER,
    });
  });

  it("drops negative, non-finite, non-number values and unknown fields", () => {
    const sample = sanitizeTelemetry(
      { load1: -1, load5: Number.NaN, load15: "3", diskPercent: 7, secret: "x", source: "  collector  " },
      now,
    );
    expect(sample).toEqual({ capturedAt: "2026-11-28T12:00:00.000Z", diskPercent: 7, source: "collector" });
  });

  it("rejects samples with no metric and non-objects", () => {
    expect(sanitizeTelemetry({ capturedAt: "2026-11-28T01:02:03Z", source: "x" }, now)).toBeUndefined();
    expect(sanitizeTelemetry([1, 2], now)).toBeUndefined();
    expect(sanitizeTelemetry("load=1", now)).toBeUndefined();
    expect(sanitizeTelemetry(null, now)).toBeUndefined();
  });

  it("keeps the source to 32 characters and omits an empty one", () => {
    expect(sanitizeTelemetry({ load1: 1, source: "s".repeat(40) }, now)?.source).toHaveLength(32);
    expect(sanitizeTelemetry({ load1: 1, source: "   " }, now)).not.toHaveProperty("source");
  });
});

describe("telemetry ring", () => {
  const at = (i: number): TelemetrySample => ({
    capturedAt: new Date(now + i * 1000).toISOString(),
    load1: i,
  });

  it("keeps the newest 60 samples in capture order", () => {
    const seeded = Array.from({ length: 60 }, (_, i) => at(i));
    const ring = mergeTelemetryRing(seeded, [at(60)]);
    expect(ring).toHaveLength(60);
    expect(ring[0]?.load1).toBe(1);
    expect(ring.at(-1)?.load1).toBe(60);
  });

  it("lets a later sample with the same capture time replace the earlier one", () => {
    const ring = mergeTelemetryRing([at(1)], [{ ...at(1), load1: 99 }, at(0)]);
    expect(ring.map((s) => s.load1)).toEqual([0, 99]);
  });
});
