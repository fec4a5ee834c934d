/**
 * Reads archived events back from R2 (docs/event-log.md, "Archive"), for the export, replay
 * and `GET /v1/admin/events`. Every object is checked against its tombstone's SHA-256 before
 * it is trusted; a few recently read objects are kept in memory, since consecutive pages read
 * the same ones.
 */
import { CrabboxError } from "../../../errors";
import type { FleetDeps } from "../deps";
import { type ArchivedLine, decodeObject } from "./archive-object";
import { fetchWholeObject } from "./archive-stream";
import { type Tombstone, type TombstoneRow, tombstoneFromRow } from "./tombstones";

/** Objects one page may read; past them the page ends early and says where to go on. */
export const maxObjectsPerPage = 16;
const cacheSize = 32;
const cache = new Map<string, ArchivedLine[]>();

export async function readArchivedObject(deps: FleetDeps, tombstone: Tombstone): Promise<ArchivedLine[]> {
  const cacheKey = `${tombstone.objectKey}#${tombstone.sha256}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const fetched = await fetchWholeObject(deps, tombstone);
  if ((await fetched.sha256) !== tombstone.sha256) {
    throw new CrabboxError("internal", `archive object ${tombstone.objectKey} does not match its tombstone`, {
      objectKey: tombstone.objectKey,
    });
  }
  const lines = await decodeObject(fetched.bytes);
  cache.set(cacheKey, lines);
  if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
  return lines;
}

/**
 * Tombstones of objects holding seqs in (after, upTo], first-seq order, optionally one
 * stream's: every object that spans `after + 1` (needed for the page to move at all), then at
 * most `maxObjectsPerPage + 1` that start later.
 */
function overlapping(
  sql: SqlStorage,
  after: number,
  upTo: number,
  filter: { stream?: string; sinceAt?: number },
): Tombstone[] {
  const { stream, sinceAt } = filter;
  const where = `last_seq > ? AND first_seq <= ? ${stream ? "AND stream = ?" : ""} ${sinceAt !== undefined ? "AND last_at >= ?" : ""}`;
  const extra: SqlStorageValue[] = [...(stream ? [stream] : []), ...(sinceAt !== undefined ? [sinceAt] : [])];
  const spanning = sql
    .exec<TombstoneRow>(
      `SELECT * FROM archive_tombstones WHERE ${where} ORDER BY first_seq`,
      after,
      Math.min(after + 1, upTo),
      ...extra,
    )
    .toArray();
  const later = sql
    .exec<TombstoneRow>(
      `SELECT * FROM archive_tombstones WHERE first_seq > ? AND ${where} ORDER BY first_seq LIMIT ?`,
      after + 1,
      after,
      upTo,
      ...extra,
      maxObjectsPerPage + 1,
    )
    .toArray();
  return [...spanning, ...later].map(tombstoneFromRow);
}

export interface ArchivedSlice {
  lines: ArchivedLine[];
  /** The R2 object key each line was read from, by seq. */
  objectOf: Map<number, string>;
  /** Archived events are complete up to this seq (inclusive); Infinity when no object was left out. */
  completeThrough: number;
}

/**
 * Archived events with seq in (after, upTo], in seq order, from at most `maxObjectsPerPage`
 * objects. When more objects overlap, the slice stops before the first one left out.
 */
export async function archivedSlice(
  deps: FleetDeps,
  after: number,
  upTo: number,
  filter: { stream?: string; sinceAt?: number } = {},
): Promise<ArchivedSlice> {
  const tombstones = overlapping(deps.sql, after, upTo, filter);
  const spanning = tombstones.filter((t) => t.firstSeq <= after + 1).length;
  const left = tombstones[spanning + maxObjectsPerPage];
  const completeThrough = left ? left.firstSeq - 1 : Number.POSITIVE_INFINITY;
  const lines: ArchivedLine[] = [];
  const objectOf = new Map<number, string>();
  for (const tombstone of tombstones.slice(0, spanning + maxObjectsPerPage)) {
    for (const line of await readArchivedObject(deps, tombstone)) {
      if (line.seq <= after || line.seq > upTo || line.seq > completeThrough) continue;
      lines.push(line);
      objectOf.set(line.seq, tombstone.objectKey);
    }
  }
  lines.sort((a, b) => a.seq - b.seq);
  return { lines, objectOf, completeThrough };
}

/** The chain hash of event `seq`, live or archived; undefined when no such event exists. */
export async function hashOfSeq(deps: FleetDeps, seq: number): Promise<string | undefined> {
  const live = deps.sql
    .exec<{ hash: string | null }>("SELECT hash FROM events WHERE seq = ?", seq)
    .toArray()[0];
  if (live?.hash) return live.hash;
  const slice = await archivedSlice(deps, seq - 1, seq);
  return slice.lines.find((line) => line.seq === seq)?.hash;
}

/**
 * Merges one page of live items with the archived items of the same range. Each source is
 * complete up to a seq (a full live page: its last seq); the page holds every event up to
 * where both are, so paging on with `next` never skips an event.
 */
export function mergePage<T extends { seq: number }>(
  live: readonly T[],
  liveCompleteThrough: number,
  archived: readonly T[],
  archivedCompleteThrough: number,
  limit: number,
): { items: T[]; next: number | null } {
  const bound = Math.min(liveCompleteThrough, archivedCompleteThrough);
  const merged = [...live, ...archived].filter((item) => item.seq <= bound).sort((a, b) => a.seq - b.seq);
  const items = merged.slice(0, limit);
  if (merged.length > limit) return { items, next: items[items.length - 1]?.seq ?? null };
  return { items, next: Number.isFinite(bound) ? bound : null };
}
