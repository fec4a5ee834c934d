import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/events/catalogue";
import { boundRunEvent, runDecider } from "../../src/events/run-decider";
import { runLogCapBytes } from "../../src/events/run-state";
import { runStart, sample, t0 } from "./fixtures";
import { at, deciderSpec } from "./given";

const given = deciderSpec(runDecider);
const started = at<RunEvent>(t0, { type: "RunStarted", data: runStart() });

describe("when no run exists", () => {
  it("starts the run as running, phase starting, with run.started as event 1", () => {
    given([])
      .when({ type: "StartRun", run: runStart() }, t0)
      .thenEmits([{ type: "RunStarted", data: runStart() }]);
    expect(given(started).state).toMatchObject({
      state: "running",
      phase: "starting",
      eventCount: 1,
      startedAt: t0,
    });
  });
  it("refuses events for an unknown run", () => {
    given([])
      .when({ type: "AppendRunEvent", event: { type: "stdout" } }, t0)
      .thenThrows("not_found");
  });
});

describe("when the run is running", () => {
  it("numbers progress events from 2 and maps their type to a phase", () => {
    given(started)
      .when({ type: "AppendRunEvent", event: { type: "sync.started" } }, t0 + 1)
      .thenEmits([{ type: "RunEventAppended", data: { seq: 2, type: "sync.started" } }]);
    const synced = [
      ...started,
      ...at<RunEvent>(t0 + 1, { type: "RunEventAppended", data: { seq: 2, type: "sync.started" } }),
    ];
    expect(given(synced).state).toMatchObject({ phase: "sync", eventCount: 2, lastEventAt: t0 + 1 });
  });
  it("bounds what clients send: defaults, 128-byte fields, 16 KiB messages, stream and lease ID checks", () => {
    const bounded = boundRunEvent(
      {
        type: "  ",
        phase: "x".repeat(300),
        stream: "stdin",
        message: "é".repeat(10_000),
        leaseID: "not-a-lease",
        slug: "blue",
        exitCode: 2.5,
      },
      7,
    );
    expect(bounded.type).toBe("event");
    expect(bounded.phase).toHaveLength(128);
    expect(bounded.stream).toBeUndefined();
    expect(new TextEncoder().encode(bounded.message).length).toBe(16 * 1024);
    expect(bounded.leaseID).toBeUndefined();
    expect(bounded.slug).toBe("blue");
    expect(bounded.exitCode).toBeUndefined();
  });
  it("marks the run failed on a run.failed event but still accepts its finish", () => {
    const failed = [
      ...started,
      ...at<RunEvent>(t0 + 5, { type: "RunEventAppended", data: { seq: 2, type: "run.failed" } }),
    ];
    expect(given(failed).state).toMatchObject({ state: "failed", phase: "failed", endedAt: t0 + 5 });
    expect(
      given(failed)
        .when({ type: "FinishRun", finish: { exitCode: 1 } }, t0 + 6)
        .events(),
    ).toHaveLength(1);
  });
  it("records a run the client reports interrupted as interrupted, through its finish with exit 130", () => {
    const interrupted = [
      ...started,
      ...at<RunEvent>(t0 + 5, { type: "RunEventAppended", data: { seq: 2, type: "run.interrupted" } }),
    ];
    expect(given(interrupted).state).toMatchObject({
      state: "interrupted",
      phase: "interrupted",
      endedAt: t0 + 5,
    });
    const [finished] = given(interrupted)
      .when({ type: "FinishRun", finish: { exitCode: 130 } }, t0 + 6)
      .events();
    expect(finished).toMatchObject({ type: "RunFinished", data: { state: "interrupted", exitCode: 130 } });
  });
  it("keeps the latest 60 telemetry samples and the first as start", () => {
    const history = [...started];
    for (let i = 0; i < 61; i++)
      history.push(
        ...at<RunEvent>(t0 + i, { type: "RunTelemetryRecorded", data: { sample: sample(t0 + i) } }),
      );
    const state = given(history).state;
    expect(state.telemetry.samples).toHaveLength(60);
    expect(state.telemetry.samples[0]?.capturedAt).toBe(t0 + 1);
    expect(state.telemetry.start?.capturedAt).toBe(t0);
  });
  it("finishes with exit code, duration, the log tail as attachment and a command.finished seq", () => {
    const events = given(started)
      .when(
        { type: "FinishRun", finish: { exitCode: 0, log: "hello", syncMs: 12, commandMs: 34 } },
        t0 + 1_000,
      )
      .events();
    expect(events).toEqual([
      {
        type: "RunFinished",
        data: {
          seq: 2,
          exitCode: 0,
          state: "succeeded",
          durationMs: 1_000,
          logBytes: 5,
          logTruncated: false,
          syncMs: 12,
          commandMs: 34,
        },
        attachment: "hello",
      },
    ]);
  });
  it("treats a missing exit code as failure and keeps only the 8 MiB tail of a huge log", () => {
    const log = `HEAD${"x".repeat(runLogCapBytes)}`;
    const [finished] = given(started)
      .when({ type: "FinishRun", finish: { log } }, t0 + 1)
      .events();
    expect(finished?.data).toMatchObject({
      exitCode: 1,
      state: "failed",
      logBytes: runLogCapBytes,
      logTruncated: true,
    });
    expect(finished?.attachment?.startsWith("HEAD")).toBe(false);
    expect(finished?.attachment).toHaveLength(runLogCapBytes);
  });
  it("merges finish telemetry with the samples recorded while running", () => {
    const history = [
      ...started,
      ...at<RunEvent>(t0 + 1, {
        type: "RunTelemetryRecorded",
        data: { sample: sample(t0 + 1, { load1: 0.4 }) },
      }),
    ];
    const [finished] = given(history)
      .when(
        {
          type: "FinishRun",
          finish: {
            exitCode: 0,
            telemetry: { end: sample(t0 + 9), samples: [sample(t0 + 2, { load1: 0.9 })] },
          },
        },
        t0 + 10,
      )
      .events();
    const state = runDecider.evolve(given(history).state, {
      ...(finished as RunEvent),
      at: t0 + 10,
    } as never);
    expect(state.telemetry.samples.map((s) => s.load1)).toEqual([0.4, 0.9]);
    expect(state.telemetry.end?.capturedAt).toBe(t0 + 9);
  });
});

describe("when the run has finished", () => {
  const finished = [
    ...started,
    ...at<RunEvent>(t0 + 5, {
      type: "RunFinished",
      data: { seq: 2, exitCode: 3, state: "failed", durationMs: 5, logBytes: 0, logTruncated: false },
    }),
  ];
  it("is settled with the finish's outcome", () => {
    expect(given(finished).state).toMatchObject({
      finished: true,
      state: "failed",
      phase: "failed",
      exitCode: 3,
      endedAt: t0 + 5,
      eventCount: 2,
    });
  });
  it("accepts nothing more", () => {
    given(finished)
      .when({ type: "AppendRunEvent", event: { type: "stdout" } }, t0 + 6)
      .thenThrows("run_ended");
    given(finished)
      .when({ type: "RecordRunTelemetry", sample: sample(t0 + 6) }, t0 + 6)
      .thenThrows("run_ended");
    given(finished)
      .when({ type: "FinishRun", finish: { exitCode: 0 } }, t0 + 6)
      .thenThrows("run_ended");
    given(finished)
      .when({ type: "StartRun", run: runStart() }, t0 + 6)
      .thenThrows("illegal_transition");
  });
});
