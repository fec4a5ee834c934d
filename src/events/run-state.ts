/** The run aggregate's state: the run record (docs/api.md#runs) as a fold of its events. */
import type { ArtifactEntry } from "../domain/artifacts";
import type { TestResults } from "./payloads/run";
import type { TelemetrySample } from "./payloads/shared";

export type RunLifecycle = "running" | "succeeded" | "failed" | "interrupted";

export interface RunTelemetry {
  start?: TelemetrySample;
  end?: TelemetrySample;
  /** Ring of the latest 60 samples by `capturedAt`. */
  samples: TelemetrySample[];
}

export interface RunState {
  exists: boolean;
  id: string;
  leaseID: string;
  slug: string;
  provider: string;
  target: string;
  windowsMode?: string;
  class: string;
  serverType: string;
  owner: string;
  org: string;
  command: string[];
  state: RunLifecycle;
  phase: string;
  /** `RunFinished` recorded: the run accepts nothing more. */
  finished: boolean;
  exitCode?: number;
  syncMs?: number;
  commandMs?: number;
  durationMs?: number;
  logBytes: number;
  logTruncated: boolean;
  results?: TestResults;
  /** Files the CLI copied back, as listed in the finish (bounded, src/domain/artifacts.ts). */
  artifacts?: ArtifactEntry[];
  /** The `crabbox shard` group this run is a shard of, and its place in it. */
  shardGroup?: string;
  shardIndex?: number;
  shardTotal?: number;
  telemetry: RunTelemetry;
  startedAt: number;
  lastEventAt: number;
  eventCount: number;
  endedAt?: number;
}

export const telemetryRingSize = 60;
export const runLogCapBytes = 8 * 1024 * 1024;

/** Merge, dedupe by `capturedAt` (last wins), sort ascending, keep the latest 60. */
export function mergeTelemetryRing(
  existing: TelemetrySample[],
  incoming: TelemetrySample[],
): TelemetrySample[] {
  const byTime = new Map<number, TelemetrySample>();
  for (const sample of [...existing, ...incoming]) byTime.set(sample.capturedAt, sample);
  return [...byTime.values()].sort((a, b) => a.capturedAt - b.capturedAt).slice(-telemetryRingSize);
}

export function initialRunState(): RunState {
  return {
    exists: false,
    id: "",
    leaseID: "",
    slug: "",
    provider: "",
    target: "",
    class: "",
    serverType: "",
    owner: "",
    org: "",
    command: [],
    state: "running",
    phase: "starting",
    finished: false,
    logBytes: 0,
    logTruncated: false,
    telemetry: { samples: [] },
    startedAt: 0,
    lastEventAt: 0,
    eventCount: 0,
  };
}
