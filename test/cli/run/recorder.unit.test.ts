import { describe, expect, it } from "vitest";
import { chunkUtf8, RunRecorder, TailBuffer } from "../../../src/cli/run/recorder";

describe("run log helpers", () => {
  it("chunks on UTF-8 boundaries without losing or splitting characters", () => {
    const text = "ab€cd😀e".repeat(50);
    const chunks = chunkUtf8(text, 7);
    expect(chunks.join("")).toBe(text);
    for (const c of chunks) {
      expect(Buffer.byteLength(c)).toBeLessThanOrEqual(7);
      expect(c).not.toContain("\uFFFD");
    }
  });

  it("keeps only the tail and says so", () => {
    const tail = new TailBuffer(10);
    tail.append(Buffer.from("0123456789"));
    tail.append(Buffer.from("abcdef"));
    expect(tail.text()).toBe("6789abcdef");
    expect(tail.truncated).toBe(true);
  });
});

describe("run recorder", () => {
  /** A coordinator client whose createRun answers only when `answer` is called. */
  function slowClient() {
    const calls: string[] = [];
    let answer!: () => void;
    const created = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const client = {
      async createRun() {
        calls.push("createRun");
        await created;
        return { id: "run_000000000001" };
      },
      async appendRunEvent(runID: string, event: { type: string }) {
        calls.push(`event ${runID} ${event.type}`);
      },
      async appendRunTelemetry() {},
      async finishRun(runID: string, body: { exitCode: number }) {
        calls.push(`finish ${runID} ${body.exitCode}`);
      },
    };
    return { client, calls, answer };
  }

  it("queues events behind a run record that is still being created and finishes it before returning", async () => {
    const { client, calls, answer } = slowClient();
    const recorder = new RunRecorder(() => {});
    recorder.attach(client as never);
    const started = recorder.start({
      provider: "local",
      target: "linux",
      class: "c",
      serverType: "",
      command: ["true"],
    });
    recorder.event({ type: "sync.started", phase: "sync" } as never);
    recorder.event({ type: "command.started", phase: "command" } as never);
    expect(calls).toEqual(["createRun"]);
    const finished = recorder.finish({ exitCode: 0, syncMs: 1, commandMs: 2 });
    answer();
    await started;
    await finished;
    expect(await recorder.ready()).toBe(true);
    expect(calls).toEqual([
      "createRun",
      "event run_000000000001 sync.started",
      "event run_000000000001 command.started",
      "finish run_000000000001 0",
    ]);
  });

  it("drops queued events and warns once when the run record cannot be created", async () => {
    const warnings: string[] = [];
    const calls: string[] = [];
    const recorder = new RunRecorder((m) => warnings.push(m));
    recorder.attach({
      async createRun() {
        throw new Error("coordinator down");
      },
      async appendRunEvent() {
        calls.push("event");
      },
      async finishRun() {
        calls.push("finish");
      },
    } as never);
    void recorder.start({
      provider: "local",
      target: "linux",
      class: "c",
      serverType: "",
      command: ["true"],
    });
    recorder.event({ type: "sync.started", phase: "sync" } as never);
    await recorder.finish({ exitCode: 0, syncMs: 1, commandMs: 2 });
    expect(await recorder.ready()).toBe(false);
    expect(calls).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining("creating the run record failed (coordinator down)")]);
  });
});
