/**
 * Linux telemetry over SSH: one short command reads load, memory, disk and uptime from /proc
 * and `df`, prints `key=value` lines, and the CLI turns them into the coordinator's sample shape.
 */
import type { TelemetryInput } from "../../api/telemetry";
import type { SshSession } from "../ssh/connect";

export const LINUX_TELEMETRY_COMMAND = [
  'awk \'{print "load1=" $1; print "load5=" $2; print "load15=" $3}\' /proc/loadavg 2>/dev/null',
  'awk \'/^MemTotal:/ {print "memTotalKb=" $2} /^MemAvailable:/ {print "memAvailableKb=" $2}\' /proc/meminfo 2>/dev/null',
  'df -P -k / 2>/dev/null | awk \'NR==2 {print "diskTotalKb=" $2; print "diskUsedKb=" $3}\'',
  "awk '{print \"uptime=\" $1}' /proc/uptime 2>/dev/null",
  "true",
].join("; ");

function nonNegative(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const number = Number(value);
  return Number.isFinite(number) && number >= 0 ? number : undefined;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** Parses the probe's output; returns undefined when no metric survived. */
export function parseLinuxTelemetry(output: string, capturedAt: Date): TelemetryInput | undefined {
  const values = new Map<string, string>();
  for (const line of output.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const sample: TelemetryInput = { capturedAt: capturedAt.toISOString(), source: "ssh-linux" };
  let metrics = 0;
  const set = (key: keyof TelemetryInput, value: number | undefined) => {
    if (value === undefined) return;
    (sample as Record<string, unknown>)[key] = value;
    metrics++;
  };
  set("load1", nonNegative(values.get("load1")));
  set("load5", nonNegative(values.get("load5")));
  set("load15", nonNegative(values.get("load15")));
  const memTotalKb = nonNegative(values.get("memTotalKb"));
  const memAvailableKb = nonNegative(values.get("memAvailableKb"));
  if (memTotalKb !== undefined) {
    set("memoryTotalBytes", memTotalKb * 1024);
    if (memAvailableKb !== undefined) {
      const used = Math.max(0, memTotalKb - memAvailableKb) * 1024;
      set("memoryUsedBytes", used);
      if (memTotalKb > 0) set("memoryPercent", round2((used / (memTotalKb * 1024)) * 100));
    }
  }
  const diskTotalKb = nonNegative(values.get("diskTotalKb"));
  const diskUsedKb = nonNegative(values.get("diskUsedKb"));
  if (diskTotalKb !== undefined) set("diskTotalBytes", diskTotalKb * 1024);
  if (diskUsedKb !== undefined) set("diskUsedBytes", diskUsedKb * 1024);
  if (diskTotalKb !== undefined && diskUsedKb !== undefined && diskTotalKb > 0) {
    set("diskPercent", round2((diskUsedKb / diskTotalKb) * 100));
  }
  const uptime = nonNegative(values.get("uptime"));
  if (uptime !== undefined) set("uptimeSeconds", Math.floor(uptime));
  return metrics > 0 ? sample : undefined;
}

export interface CollectTelemetryOptions {
  /** Budget for the probe (default 5 s); a slow machine yields no sample rather than a stall. */
  timeoutMs?: number;
  now?: () => Date;
}

/** One telemetry sample from a Linux machine, or undefined when it could not be read in time. */
export async function collectTelemetry(
  session: SshSession,
  options: CollectTelemetryOptions = {},
): Promise<TelemetryInput | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 5000);
  let output = "";
  try {
    const result = await session.exec(LINUX_TELEMETRY_COMMAND, {
      onStdout: (chunk) => {
        output += chunk.toString("utf8");
      },
      signal: controller.signal,
      killGraceMs: 500,
    });
    if (result.aborted) return undefined;
    return parseLinuxTelemetry(output, (options.now ?? (() => new Date()))());
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
