/**
 * The run aggregate as a decider: started → (events, telemetry)* → finished. A run is
 * `running` until `RunFinished` (or a `run.failed`/`run.interrupted` progress event) settles it; after
 * `RunFinished` it accepts nothing more (`run_ended`). Progress events carry their per-run
 * `seq` (1 is `run.started`), so the run-events projection needs no counter of its own.
 */

import type { ArtifactEntry } from "../domain/artifacts";
import { isLeaseId } from "../domain/ids";
import { tailUtf8, truncateUtf8, utf8Bytes } from "../domain/utf8";
import { CrabboxError } from "../errors";
import type { RunEvent } from "./catalogue";
import type { RunEventAppendedData, RunFinishedData, RunStartedData, TestResults } from "./payloads/run";
import type { TelemetrySample } from "./payloads/shared";
import { initialRunState, mergeTelemetryRing, type RunState, runLogCapBytes } from "./run-state";
import type { StreamDecider } from "./store-types";
import type { EvolvableEvent } from "./types";

/** A progress event as a client sends it (docs/api.md#runs); the decider bounds it. */
export interface RunEventInput {
  type?: string;
  phase?: string;
  stream?: string;
  message?: string;
  data?: string;
  leaseID?: string;
  slug?: string;
  provider?: string;
  target?: string;
  windowsMode?: string;
  class?: string;
  serverType?: string;
  exitCode?: number;
}

export interface RunFinishInput {
  exitCode?: number;
  syncMs?: number;
  commandMs?: number;
  /** The whole log as the client sent it (chunks already joined); the decider keeps the 8 MiB tail. */
  log?: string;
  logTruncated?: boolean;
  results?: TestResults;
  artifacts?: ArtifactEntry[];
  telemetry?: { start?: TelemetrySample; end?: TelemetrySample; samples?: TelemetrySample[] };
}

export type RunCommand =
  | { type: "StartRun"; run: RunStartedData }
  | { type: "AppendRunEvent"; event: RunEventInput }
  | { type: "RecordRunTelemetry"; sample: TelemetrySample }
  | { type: "FinishRun"; finish: RunFinishInput }
  /**
   * The coordinator ends a run its client can no longer finish: its lease ended, or neither
   * the run nor its lease showed a sign of life for a long time. `reason` says which.
   */
  | { type: "AbandonRun"; reason: string };

export function runStream(runID: string): string {
  return `run:${runID}`;
}

const shortFieldBytes = 128;
const longFieldBytes = 16 * 1024;

const phaseByType: Record<string, string> = {
  "run.started": "starting",
  "leasing.started": "leasing",
  "lease.created": "leased",
  "bootstrap.waiting": "bootstrap",
  "sync.started": "sync",
  "sync.finished": "synced",
  "command.started": "command",
  stdout: "command",
  stderr: "command",
  "lease.released": "released",
};

function short(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = truncateUtf8(value.trim(), shortFieldBytes);
  return trimmed === "" ? undefined : trimmed;
}

/** Applies the reference's bounds: short fields ≤ 128 bytes, message/data ≤ 16 KiB, enums checked. */
export function boundRunEvent(input: RunEventInput, seq: number): RunEventAppendedData {
  const bounded: RunEventAppendedData = { seq, type: short(input.type) ?? "event" };
  const phase = short(input.phase);
  if (phase) bounded.phase = phase;
  if (input.stream === "stdout" || input.stream === "stderr") bounded.stream = input.stream;
  if (input.message !== undefined) bounded.message = truncateUtf8(input.message, longFieldBytes);
  if (input.data !== undefined) bounded.data = truncateUtf8(input.data, longFieldBytes);
  if (input.leaseID !== undefined && isLeaseId(input.leaseID)) bounded.leaseID = input.leaseID;
  for (const key of ["slug", "provider", "target", "windowsMode", "class", "serverType"] as const) {
    const value = short(input[key]);
    if (value) bounded[key] = value;
  }
  if (input.exitCode !== undefined && Number.isInteger(input.exitCode)) bounded.exitCode = input.exitCode;
  return bounded;
}

function mustBeOpen(state: RunState, action: string): void {
  if (!state.exists) throw new CrabboxError("not_found", "run not found");
  if (state.finished) {
    throw new CrabboxError("run_ended", `cannot ${action}: run ${state.id} already finished`, {
      runID: state.id,
      state: state.state,
    });
  }
}

function finiteOrUndefined(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Exit code of a run the coordinator ended: no command status exists for it. */
export const abandonedExitCode = -1;

export function decideRun(command: RunCommand, state: RunState, now: number): RunEvent[] {
  switch (command.type) {
    case "AbandonRun": {
      mustBeOpen(state, "end");
      const seq = state.eventCount + 1;
      return [
        {
          type: "RunEventAppended",
          data: boundRunEvent({ type: "run.abandoned", phase: "failed", message: command.reason }, seq),
        },
        {
          type: "RunFinished",
          data: {
            seq: seq + 1,
            exitCode: abandonedExitCode,
            state: state.state === "interrupted" ? "interrupted" : "failed",
            durationMs: Math.max(0, now - state.startedAt),
            logBytes: 0,
            logTruncated: false,
          },
        },
      ];
    }
    case "StartRun":
      if (state.exists)
        throw new CrabboxError("illegal_transition", `run ${state.id} already started`, { runID: state.id });
      return [{ type: "RunStarted", data: command.run }];
    case "AppendRunEvent":
      mustBeOpen(state, "append an event");
      return [{ type: "RunEventAppended", data: boundRunEvent(command.event, state.eventCount + 1) }];
    case "RecordRunTelemetry":
      mustBeOpen(state, "record telemetry");
      return [{ type: "RunTelemetryRecorded", data: { sample: command.sample } }];
    case "FinishRun": {
      mustBeOpen(state, "finish");
      const f = command.finish;
      const exitCode = f.exitCode !== undefined && Number.isInteger(f.exitCode) ? f.exitCode : 1;
      const raw = f.log ?? "";
      const rawBytes = utf8Bytes(raw);
      const tail = tailUtf8(raw, runLogCapBytes);
      const data: RunFinishedData = {
        seq: state.eventCount + 1,
        exitCode,
        // A run the client reported interrupted stays interrupted, whatever status it ends with.
        state: state.state === "interrupted" ? "interrupted" : exitCode === 0 ? "succeeded" : "failed",
        durationMs: Math.max(0, now - state.startedAt),
        logBytes: Math.min(rawBytes, runLogCapBytes),
        logTruncated: (f.logTruncated ?? false) || rawBytes > runLogCapBytes,
      };
      const syncMs = finiteOrUndefined(f.syncMs);
      if (syncMs !== undefined) data.syncMs = syncMs;
      const commandMs = finiteOrUndefined(f.commandMs);
      if (commandMs !== undefined) data.commandMs = commandMs;
      if (f.results) data.results = f.results;
      if (f.artifacts?.length) data.artifacts = f.artifacts;
      if (f.telemetry?.start) data.telemetryStart = f.telemetry.start;
      if (f.telemetry?.end) data.telemetryEnd = f.telemetry.end;
      if (f.telemetry?.samples?.length) data.telemetrySamples = f.telemetry.samples;
      return [tail === "" ? { type: "RunFinished", data } : { type: "RunFinished", data, attachment: tail }];
    }
  }
}

export function evolveRun(state: RunState, event: EvolvableEvent<RunEvent>): RunState {
  const at = event.at;
  switch (event.type) {
    case "RunStarted": {
      const d = event.data;
      const next: RunState = {
        ...initialRunState(),
        exists: true,
        id: d.runID,
        leaseID: d.leaseID,
        slug: d.slug,
        provider: d.provider,
        target: d.target,
        class: d.class,
        serverType: d.serverType,
        owner: d.owner,
        org: d.org,
        command: d.command,
        startedAt: at,
        lastEventAt: at,
        eventCount: 1,
      };
      if (d.windowsMode !== undefined) next.windowsMode = d.windowsMode;
      if (d.shard) {
        next.shardGroup = d.shard.group;
        next.shardIndex = d.shard.index;
        next.shardTotal = d.shard.total;
      }
      return next;
    }
    case "RunEventAppended": {
      const d = event.data;
      const next: RunState = { ...state, eventCount: d.seq, lastEventAt: at };
      next.phase = d.phase ?? phaseByType[d.type] ?? state.phase;
      if (d.leaseID) next.leaseID = d.leaseID;
      if (d.slug) next.slug = d.slug;
      if (d.provider) next.provider = d.provider;
      if (d.target) next.target = d.target;
      if (d.windowsMode) next.windowsMode = d.windowsMode;
      if (d.class) next.class = d.class;
      if (d.serverType) next.serverType = d.serverType;
      if (d.type === "run.failed" || d.type === "run.abandoned" || d.type === "run.interrupted") {
        next.state = d.type === "run.interrupted" ? "interrupted" : "failed";
        next.phase = next.state;
        next.endedAt = at;
      }
      return next;
    }
    case "RunTelemetryRecorded": {
      const sample = event.data.sample;
      const telemetry = {
        ...state.telemetry,
        samples: mergeTelemetryRing(state.telemetry.samples, [sample]),
      };
      if (!telemetry.start) telemetry.start = sample;
      return { ...state, telemetry };
    }
    case "RunFinished": {
      const d = event.data;
      const telemetry = { ...state.telemetry };
      if (d.telemetryStart) telemetry.start = d.telemetryStart;
      if (d.telemetryEnd) telemetry.end = d.telemetryEnd;
      if (d.telemetrySamples) telemetry.samples = mergeTelemetryRing(telemetry.samples, d.telemetrySamples);
      const next: RunState = {
        ...state,
        finished: true,
        state: d.state,
        phase: d.state,
        exitCode: d.exitCode,
        durationMs: d.durationMs,
        logBytes: d.logBytes,
        logTruncated: d.logTruncated,
        telemetry,
        eventCount: d.seq,
        lastEventAt: at,
        endedAt: at,
      };
      if (d.syncMs !== undefined) next.syncMs = d.syncMs;
      if (d.commandMs !== undefined) next.commandMs = d.commandMs;
      if (d.results !== undefined) next.results = d.results;
      if (d.artifacts !== undefined) next.artifacts = d.artifacts;
      return next;
    }
  }
}

export const runDecider: StreamDecider<RunState, RunCommand, RunEvent> = {
  kind: "run",
  snapshotSchema: 1,
  initialState: initialRunState,
  decide: decideRun,
  evolve: evolveRun,
  ownerOf: (state) => (state.exists ? state.owner : null),
};
