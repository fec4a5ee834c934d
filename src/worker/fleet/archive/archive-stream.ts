/**
 * Reads one archive object as a stream (docs/event-log.md#archive): the gzip NDJSON is
 * decompressed and split into lines chunk by chunk, each line handed on as it completes, while
 * the compressed bytes are hashed alongside. What is held at once is one decompressed chunk
 * and the unfinished line after it, however large the object; a line longer than
 * `maxLineChars` is refused rather than buffered. The SHA-256 and the event count are checked
 * against the tombstone at the end, so a consumer must treat what it folded as unverified
 * until the promise resolves (replay folds into shadow tables that a failure drops).
 */
import { CrabboxError } from "../../../errors";
import type { FleetDeps } from "../deps";
import type { ArchivedLine } from "./archive-object";
import { archiveBucket } from "./archiver";
import type { Tombstone } from "./tombstones";

/** Longest line accepted: an event with the largest attachment (an 8 MiB run log tail), escaped. */
export const maxArchivedLineChars = 48 * 1024 * 1024;

export interface StreamStats {
  lines: number;
  /** Decompressed characters read in all. */
  chars: number;
  /** The most characters held at once (a chunk plus the unfinished line before it). */
  peakHeldChars: number;
}

export async function streamArchivedObject(
  deps: FleetDeps,
  tombstone: Tombstone,
  onLine: (line: ArchivedLine) => void,
  maxLineChars = maxArchivedLineChars,
): Promise<StreamStats> {
  const object = await archiveBucket(deps)?.get(tombstone.objectKey);
  if (!object) {
    throw new CrabboxError("internal", `archive object ${tombstone.objectKey} is missing from the bucket`, {
      objectKey: tombstone.objectKey,
      stream: tombstone.stream,
    });
  }
  const [forHash, forLines] = object.body.tee();
  const digest = new crypto.DigestStream("SHA-256");
  const hashed = forHash.pipeTo(digest);
  const reader = forLines
    .pipeThrough(new DecompressionStream("gzip"))
    .pipeThrough(new TextDecoderStream())
    .getReader();
  const stats: StreamStats = { lines: 0, chars: 0, peakHeldChars: 0 };
  let rest = "";
  const emit = (text: string) => {
    if (text === "") return;
    onLine(JSON.parse(text) as ArchivedLine);
    stats.lines += 1;
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    stats.chars += value.length;
    stats.peakHeldChars = Math.max(stats.peakHeldChars, rest.length + value.length);
    let start = 0;
    let text = value;
    if (rest !== "") {
      text = rest + value;
      rest = "";
    }
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      emit(text.slice(start, end));
      start = end + 1;
    }
    rest = text.slice(start);
    if (rest.length > maxLineChars) {
      await reader.cancel();
      throw new CrabboxError(
        "internal",
        `archive object ${tombstone.objectKey} has a line over ${maxLineChars} characters`,
        {
          objectKey: tombstone.objectKey,
        },
      );
    }
  }
  emit(rest);
  await hashed;
  const sha256 = [...new Uint8Array(await digest.digest)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  if (sha256 !== tombstone.sha256 || stats.lines !== tombstone.events) {
    throw new CrabboxError("internal", `archive object ${tombstone.objectKey} does not match its tombstone`, {
      objectKey: tombstone.objectKey,
    });
  }
  return stats;
}
