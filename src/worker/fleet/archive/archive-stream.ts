/**
 * Reads one archive object as a stream (docs/event-log.md#archive): the gzip NDJSON is
 * decompressed and split into lines chunk by chunk, each line handed on as it completes, while
 * the compressed bytes are hashed alongside. What is held at once is one decompressed chunk
 * and the unfinished line after it, however large the object; a line longer than
 * `maxLineChars` is refused rather than buffered. A small object a replay read ahead whole
 * (its size bounded by the caller) is decompressed in one step instead. The SHA-256 and the event count are checked
 * against the tombstone at the end, so a consumer must treat what it folded as unverified
 * until the promise resolves (replay folds into shadow tables that a failure drops).
 */

import { hex } from "../../../domain/hex";
import { CrabboxError } from "../../../errors";
import type { FleetDeps } from "../deps";
import { type ArchivedLine, gunzipWhole, sha256Hex } from "./archive-object";
import { archiveBucket } from "./archiver";
import type { Tombstone } from "./tombstones";

/** Longest line accepted: an event with the largest attachment (an 8 MiB run log tail), escaped. */
export const maxArchivedLineChars = 48 * 1024 * 1024;

const utf8 = new TextDecoder();

export interface StreamStats {
  lines: number;
  /** Decompressed characters read in all. */
  chars: number;
  /** The most characters held at once (a chunk plus the unfinished line before it). */
  peakHeldChars: number;
}

/**
 * An object on its way: its compressed bytes as a stream, or read whole (`bytes`) when a
 * replay reads it ahead; and their SHA-256 once all have passed.
 */
export type FetchedObject =
  | { body: ReadableStream<Uint8Array>; bytes?: undefined; sha256: Promise<string> }
  | { body?: undefined; bytes: Uint8Array; sha256: Promise<string> };

export async function streamArchivedObject(
  deps: FleetDeps,
  tombstone: Tombstone,
  onLine: (line: ArchivedLine) => void,
  maxLineChars = maxArchivedLineChars,
): Promise<StreamStats> {
  return foldArchivedObject(await fetchArchivedObject(deps, tombstone), tombstone, onLine, maxLineChars);
}

/**
 * Starts reading an object: streamed from the bucket, or (`buffered`) read whole as compressed
 * bytes, so that a replay can fetch the next few small objects while it folds this one.
 */
export async function fetchArchivedObject(
  deps: FleetDeps,
  tombstone: Tombstone,
  buffered = false,
): Promise<FetchedObject> {
  const object = await getObject(deps, tombstone);
  if (buffered) return wholeObject(object);
  const [forHash, forLines] = object.body.tee();
  const digest = new crypto.DigestStream("SHA-256");
  const sha256 = forHash.pipeTo(digest).then(async () => hex(await digest.digest));
  return { body: forLines, sha256 };
}

/** An object's compressed bytes, whole, and their SHA-256. */
export async function fetchWholeObject(
  deps: FleetDeps,
  tombstone: Tombstone,
): Promise<{ bytes: Uint8Array; sha256: Promise<string> }> {
  return wholeObject(await getObject(deps, tombstone));
}

async function wholeObject(object: R2ObjectBody): Promise<{ bytes: Uint8Array; sha256: Promise<string> }> {
  const bytes = new Uint8Array(await object.arrayBuffer());
  return { bytes, sha256: sha256Hex(bytes) };
}

async function getObject(deps: FleetDeps, tombstone: Tombstone): Promise<R2ObjectBody> {
  const object = await archiveBucket(deps)?.get(tombstone.objectKey);
  if (!object) {
    throw new CrabboxError("internal", `archive object ${tombstone.objectKey} is missing from the bucket`, {
      objectKey: tombstone.objectKey,
      stream: tombstone.stream,
    });
  }
  return object;
}

/**
 * Decompresses a fetched object and hands on each line as it completes; checks the SHA-256
 * and the event count against the tombstone at the end. A streamed object is decompressed
 * chunk by chunk; one read whole is decompressed in one step (each chunk of a stream costs a
 * few promise hops, most of a small object's replay time) unless it would inflate past
 * `gunzipWhole`'s bound, when it streams too.
 */
export async function foldArchivedObject(
  fetched: FetchedObject,
  tombstone: Tombstone,
  onLine: (line: ArchivedLine) => void,
  maxLineChars = maxArchivedLineChars,
): Promise<StreamStats> {
  // A failure before the hash settles must not leave its rejection unhandled.
  fetched.sha256.catch(() => undefined);
  const lines = new LineSplitter(tombstone, onLine, maxLineChars);
  const whole = fetched.bytes && gunzipWhole(fetched.bytes);
  if (whole) {
    lines.push(utf8.decode(whole));
  } else {
    const body = fetched.body ?? new Blob([fetched.bytes as Uint8Array]).stream();
    const reader = body
      .pipeThrough(new DecompressionStream("gzip"))
      .pipeThrough(new TextDecoderStream())
      .getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        lines.push(value);
      }
    } catch (error) {
      await reader.cancel().catch(() => undefined);
      throw error;
    }
  }
  const stats = lines.end();
  const sha256 = await fetched.sha256;
  if (sha256 !== tombstone.sha256 || stats.lines !== tombstone.events) {
    throw new CrabboxError("internal", `archive object ${tombstone.objectKey} does not match its tombstone`, {
      objectKey: tombstone.objectKey,
    });
  }
  return stats;
}

/** Splits decompressed text into lines across chunks and parses each one as it completes. */
class LineSplitter {
  private rest = "";
  private readonly stats: StreamStats = { lines: 0, chars: 0, peakHeldChars: 0 };

  constructor(
    private readonly tombstone: Tombstone,
    private readonly onLine: (line: ArchivedLine) => void,
    private readonly maxLineChars: number,
  ) {}

  push(chunk: string): void {
    this.stats.chars += chunk.length;
    this.stats.peakHeldChars = Math.max(this.stats.peakHeldChars, this.rest.length + chunk.length);
    const text = this.rest === "" ? chunk : this.rest + chunk;
    let start = 0;
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      this.emit(text.slice(start, end));
      start = end + 1;
    }
    this.rest = text.slice(start);
    if (this.rest.length > this.maxLineChars) {
      throw new CrabboxError(
        "internal",
        `archive object ${this.tombstone.objectKey} has a line over ${this.maxLineChars} characters`,
        { objectKey: this.tombstone.objectKey },
      );
    }
  }

  end(): StreamStats {
    this.emit(this.rest);
    this.rest = "";
    return this.stats;
  }

  private emit(text: string): void {
    if (text === "") return;
    this.onLine(JSON.parse(text) as ArchivedLine);
    this.stats.lines += 1;
  }
}
