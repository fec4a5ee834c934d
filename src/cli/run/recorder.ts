import { randomUUID } from "node:crypto";
import type { RunEventInput, RunFinishRequest, RunShard, TelemetryInput } from "../../api";
import { bounds } from "../../api/bounds";
import type { CoordinatorClient } from "../../client/client";
import { boundResults } from "../../domain/results";
import { truncateUtf8 } from "../../domain/utf8";
import { settleWithin } from "../time/settle-within";

const outputEventCap = 64 * 1024;
const outputChunk = 4096;
const logCap = 8 * 1024 * 1024;
const logChunk = 64 * 1024;

/** Splits text into ≤`max`-byte pieces on UTF-8 character boundaries. */
export function chunkUtf8(text: string, max: number): string[] {
  const bytes = Buffer.from(text, "utf8");
  const chunks: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + max, bytes.length);
    // Back off continuation bytes (10xxxxxx) so no character is cut in two.
    while (end < bytes.length && end > start && (bytes[end]! & 0xc0) === 0x80) end--;
    chunks.push(bytes.subarray(start, end).toString("utf8"));
    start = end;
  }
  return chunks;
}

/** The last `cap` bytes of everything appended, cut on a character boundary. */
export class TailBuffer {
  private parts: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}

  append(chunk: Buffer): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    // Drop whole leading parts only while what remains still covers the cap; text() trims the rest.
    while (this.parts.length > 1 && this.size - this.parts[0]!.length >= this.cap) {
      this.size -= this.parts.shift()!.length;
      this.truncated = true;
    }
  }

  text(): string {
    let all = Buffer.concat(this.parts);
    if (all.length > this.cap) {
      this.truncated = true;
      all = all.subarray(all.length - this.cap);
    }
    let start = 0;
    while (start < all.length && (all[start]! & 0xc0) === 0x80) start++;
    return all.subarray(start).toString("utf8");
  }
}

/**
 * The run record on the coordinator: created before leasing, events as the run goes
 * (bounded, never blocking the command), the log tail and results at the end. Recording
 * is best effort: a coordinator hiccup warns once and never fails the user's command.
 */
export class RunRecorder {
  runID = "";
  private disabled = false;
  private warned = false;
  private queue: Promise<void> = Promise.resolve();
  private started: Promise<void> = Promise.resolve();
  private starting = false;
  private pending = 0;
  private outputBytes = 0;
  private outputTruncated = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly log = new TailBuffer(logCap);
  private readonly streamBuffers: Record<"stdout" | "stderr", Buffer[]> = { stdout: [], stderr: [] };

  private client: CoordinatorClient | undefined;

  constructor(
    private readonly warn: (message: string) => void,
    /** Sent with the run's start when the run is one shard of `crabbox shard`. */
    private readonly shard?: RunShard,
  ) {}

  /** Records through this coordinator (static hosts have none, and record nothing). */
  attach(client: CoordinatorClient): void {
    this.client = client;
  }

  get enabled(): boolean {
    return Boolean(this.client && this.runID && !this.disabled);
  }

  private problem(what: string, error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.warn(`run history: ${what} failed (${(error as Error).message}); the command itself is unaffected`);
  }

  /**
   * Creates the run record. The request need not be awaited: events, output and telemetry
   * queue behind it, and `ready()`/`finish()` wait for it, so a reused lease connects over SSH
   * while the record is being created (docs/sync.md, "Inner loop").
   */
  start(body: {
    leaseID?: string;
    provider: string;
    target: string;
    class: string;
    serverType: string;
    command: string[];
  }): Promise<void> {
    if (!this.client) return Promise.resolve();
    const client = this.client;
    this.starting = true;
    this.started = (async () => {
      try {
        const run = await client.createRun(
          { ...body, ...(this.shard ? { shard: this.shard } : {}) },
          randomUUID(),
        );
        this.runID = run.id;
      } catch (error) {
        this.disabled = true;
        this.problem("creating the run record", error);
      } finally {
        this.starting = false;
      }
    })();
    this.queue = this.started;
    return this.started;
  }

  /** Whether this run is recorded, once the record's creation settled. */
  async ready(): Promise<boolean> {
    await this.started;
    return this.enabled;
  }

  /** Recorded, or about to be: what is queued now is sent once the record exists. */
  private get recording(): boolean {
    return Boolean(this.client && !this.disabled && (this.runID || this.starting));
  }

  event(input: RunEventInput): void {
    if (!this.recording || this.pending >= 32) return;
    // The coordinator refuses a message or data past its bound (docs/api.md, "Bounds"): a
    // `command.started` message carries the whole argv, which may be longer.
    const event = { ...input };
    if (event.message !== undefined) event.message = truncateUtf8(event.message, bounds.message);
    if (event.data !== undefined) event.data = truncateUtf8(event.data, bounds.message);
    this.pending++;
    const key = randomUUID();
    this.queue = this.queue.then(async () => {
      try {
        if (!this.enabled) return;
        await this.client!.appendRunEvent(this.runID, event, key, 5000);
      } catch (error) {
        if ((error as { code?: string }).code === "not_found") this.disabled = true;
        this.problem("recording an event", error);
      } finally {
        this.pending--;
      }
    });
  }

  telemetry(sample: TelemetryInput): void {
    if (!this.recording) return;
    const key = randomUUID();
    this.queue = this.queue.then(() =>
      this.enabled
        ? this.client!.appendRunTelemetry(this.runID, sample, key).then(
            () => {},
            () => {},
          )
        : undefined,
    );
  }

  /** Command output: kept for the log tail and mirrored as ≤4 KiB events up to 64 KiB per run. */
  output(stream: "stdout" | "stderr", chunk: Buffer): void {
    this.log.append(chunk);
    if (!this.recording || this.outputTruncated) return;
    this.streamBuffers[stream].push(chunk);
    const buffered = Buffer.concat(this.streamBuffers[stream]);
    if (buffered.length >= outputChunk) this.flushStream(stream);
    else if (!this.flushTimer) {
      // Small output still reaches `crabbox attach` promptly.
      this.flushTimer = setTimeout(() => this.flushOutput(), 500);
      this.flushTimer.unref();
    }
  }

  /** Sends buffered output now (end of the command). */
  flushOutput(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushStream("stdout");
    this.flushStream("stderr");
  }

  private flushStream(stream: "stdout" | "stderr"): void {
    const buffered = Buffer.concat(this.streamBuffers[stream]);
    this.streamBuffers[stream] = [];
    if (buffered.length === 0 || this.outputTruncated) return;
    for (const piece of chunkUtf8(buffered.toString("utf8"), outputChunk)) {
      const size = Buffer.byteLength(piece);
      if (this.outputBytes + size > outputEventCap) {
        this.outputTruncated = true;
        this.event({
          type: "output.truncated",
          phase: "command",
          message: "live output capped at 64 KiB; use crabbox logs for the rest",
        });
        return;
      }
      this.outputBytes += size;
      this.event({ type: stream, stream, data: piece });
    }
  }

  /** Sends the final record; waits at most a few seconds for queued events first. */
  async finish(body: Omit<RunFinishRequest, "log" | "logChunks" | "logTruncated">): Promise<void> {
    await this.started;
    if (!this.enabled) return;
    this.flushOutput();
    await settleWithin(this.queue, 3000);
    const text = this.log.text();
    const chunks = chunkUtf8(text, logChunk);
    try {
      await this.client!.finishRun(
        this.runID,
        {
          ...body,
          // More files or failures than the coordinator keeps are cut here, not refused there.
          ...(body.results ? { results: boundResults(body.results) } : {}),
          log: chunks.length <= 1 ? text : chunks.at(-1)!,
          logChunks: chunks,
          logTruncated: this.log.truncated,
        },
        randomUUID(),
      );
    } catch (error) {
      this.problem("finishing the run record", error);
    }
  }
}
