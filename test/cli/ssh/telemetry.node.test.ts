import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LINUX_TELEMETRY_COMMAND, parseLinuxTelemetry } from "../../../src/cli/telemetry/linux";

const at = new Date("2026-11-28T12:00:00Z");

describe("Linux telemetry", () => {
  it("turns the probe's key=value lines into a coordinator sample", () => {
    const output =
      "load1=0.50\nload5=1.25\nload15=2\nmemTotalKb=1000\nmemAvailableKb=250\ndiskTotalKb=2000\ndiskUsedKb=500\nuptime=123.9\n";
    expect(parseLinuxTelemetry(output, at)).toEqual({
      capturedAt: "2026-11-28T12:00:00.000Z",
      source: "ssh-linux",
      load1: 0.5,
      load5: 1.25,
      load15: 2,
      memoryTotalBytes: 1_024_000,
      memoryUsedBytes: 768_000,
      memoryPercent: 75,
      diskTotalBytes: 2_048_000,
      diskUsedBytes: 512_000,
      diskPercent: 25,
      uptimeSeconds: 123,
    });
  });

  it("drops negative and unparsable values, and yields nothing without metrics", () => {
    expect(parseLinuxTelemetry("load1=-1\nload5=abc\nuptime=5\n", at)).toEqual({
      capturedAt: at.toISOString(),
      source: "ssh-linux",
      uptimeSeconds: 5,
    });
    expect(parseLinuxTelemetry("sh: awk: not found\n", at)).toBeUndefined();
  });

  it.runIf(existsSync("/proc/loadavg"))(
    "reads real numbers from this Linux host with the same command",
    () => {
      const sample = parseLinuxTelemetry(
        execFileSync("/bin/sh", ["-c", LINUX_TELEMETRY_COMMAND], { encoding: "utf8" }),
        at,
      );
      expect(sample?.memoryTotalBytes).toBeGreaterThan(0);
      expect(sample?.diskTotalBytes).toBeGreaterThan(0);
      expect(sample?.uptimeSeconds).toBeGreaterThan(0);
    },
  );
});
