/**
 * One archive object (docs/event-log.md, "Archive"): a run of one stream's events as NDJSON,
 * gzip-compressed, one stored event per line exactly as the log holds it (schema and data as
 * written, never upcast, plus its chain hash and any attachment), so that an object read back
 * years later hashes to the same chain and is upcast on read like a live row.
 */
import { gunzipSync } from "node:zlib";
import { hex } from "../../../domain/hex";
import { upcast } from "../../../events/catalogue";
import type { ChainedFields } from "../../../events/hash-chain";
import type { EventMeta, RecordedEvent } from "../../../events/types";

/** One line of an archive object. */
export interface ArchivedLine extends ChainedFields {
  hash: string;
  /** The event's attachment (a run's log tail), when it has one. */
  attachment?: string;
}

export interface EncodedObject {
  body: Uint8Array;
  /** Lowercase hex SHA-256 of `body` (the compressed bytes, what R2 verifies on put). */
  sha256: string;
}

/** Where an object of `stream` holding versions first…last lives in the bucket. */
export function objectKey(stream: string, firstVersion: number, lastVersion: number): string {
  return `events/v1/${stream.replace(":", "/")}/${firstVersion}-${lastVersion}.ndjson.gz`;
}

export async function encodeObject(lines: readonly ArchivedLine[]): Promise<EncodedObject> {
  const text = lines.map((line) => `${JSON.stringify(line)}\n`).join("");
  const compressed = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  const body = new Uint8Array(await new Response(compressed).arrayBuffer());
  return { body, sha256: await sha256Hex(body) };
}

export async function decodeObject(body: ArrayBuffer | Uint8Array): Promise<ArchivedLine[]> {
  const whole = gunzipWhole(new Uint8Array(body));
  const text = whole
    ? new TextDecoder().decode(whole)
    : await new Response(new Blob([body]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ArchivedLine);
}

/** The most decompressed bytes an object is inflated to in one step; a larger one streams. */
const maxWholeBytes = 16 * 1024 * 1024;

/**
 * The object decompressed in one step (node:zlib under nodejs_compat: a DecompressionStream
 * costs a few promise hops per chunk, most of a small object's read time), or undefined when it
 * would inflate past `maxWholeBytes`.
 */
export function gunzipWhole(bytes: Uint8Array): Uint8Array | undefined {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxWholeBytes });
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** An archived line as the store would return it: data upcast to its type's current schema. */
export function toRecordedEvent(line: ArchivedLine): RecordedEvent {
  return {
    seq: line.seq,
    id: line.id,
    stream: line.stream,
    version: line.version,
    type: line.type,
    schema: line.schema,
    data: upcast(line.type, line.schema, line.data) as RecordedEvent["data"],
    meta: line.meta as EventMeta,
    dedupeKey: line.dedupeKey,
    owner: line.owner,
    at: line.at,
  };
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}
