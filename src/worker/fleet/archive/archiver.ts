/**
 * Moves the events of ended streams to R2 (docs/event-log.md, "Archive"). One step, run by
 * the alarm, archives a bounded number of events:
 *
 *   1. (sync) pick ended lease/run streams idle for `archiveAfterMs`, oldest first, and read
 *      the next run of each one's events (at most `maxEventsPerObject`);
 *   2. (async) write them as one gzip NDJSON object; R2 checks the SHA-256 we send;
 *   3. (sync, one transaction) check the stream did not move meanwhile, record the tombstone,
 *      delete the events (and, with its last event, the stream row).
 *
 * A crash between 2 and 3 leaves the rows and the object: the next step writes the same key
 * again and then deletes. The log's newest event is never archived, so the head (and the seq
 * and hash the next event chains to) always stays in the live log.
 */
import type { EventRow } from "../../../events/stored-row";
import { storedFields } from "../../../events/stored-row";
import type { FleetDeps } from "../deps";
import { type ArchivedLine, encodeObject, objectKey } from "./archive-object";
import { archiveHeldByReplay } from "./replay-hold";
import { archivedThrough, insertTombstone } from "./tombstones";

/** Events per object and per alarm step: one short read, one short delete transaction. */
export const maxEventsPerObject = 2_000;
const retryKey = "fleet:archive-retry-at";
/** Storage key of the late-machine check (alarm.ts): an ended lease with no machine known waits for it. */
const lateMachineCheckKey = "fleet:late-machine-checked-until";

/**
 * TEST ONLY: `at(step)` is called at "put" (before the R2 write), "put-done" and "deleted"
 * (inside the delete transaction, before it commits); throwing simulates a crash there.
 * Honoured only when the environment says `CRABBOX_TEST_MODE=1`.
 */
export const archiveTestFaults: { at?: (step: string) => void } = {};

interface Candidate extends Record<string, SqlStorageValue> {
  stream: string;
  version: number;
  updated_at: number;
}

/** Ended lease/run streams idle since before `cutoff`, oldest first (never a live stream). */
function candidates(sql: SqlStorage, cutoff: number, checkedUntil: number, limit: number): Candidate[] {
  return sql
    .exec<Candidate>(
      `SELECT s.stream, s.version, s.updated_at FROM streams s
       WHERE s.updated_at < ? AND (
         (s.stream LIKE 'lease:%' AND EXISTS (SELECT 1 FROM leases l WHERE l.id = substr(s.stream, 7)
            AND l.state IN ('released', 'expired', 'failed')
            AND (l.machine_state = 'deleted' OR (l.machine_state = 'none' AND l.provisioning_deadline_at <= ?))))
         OR (s.stream LIKE 'run:%' AND EXISTS (SELECT 1 FROM runs r WHERE r.id = substr(s.stream, 5)
            AND r.finished = 1)))
       ORDER BY s.updated_at LIMIT ?`,
      cutoff,
      checkedUntil,
      limit,
    )
    .toArray();
}

export function archiveBucket(deps: FleetDeps): R2Bucket | undefined {
  const bucket = deps.env.ARCHIVE as R2Bucket | undefined;
  return bucket && typeof bucket.put === "function" ? bucket : undefined;
}

/** When the next stream becomes archivable (Fleet-clock ms); undefined without a bucket or work. */
export function nextArchiveDue(deps: FleetDeps): number | undefined {
  if (!archiveBucket(deps)) return undefined;
  const checkedUntil = deps.storage.kv.get<number>(lateMachineCheckKey) ?? 0;
  const oldest = candidates(deps.sql, Number.MAX_SAFE_INTEGER, checkedUntil, 1)[0];
  if (!oldest) return undefined;
  return Math.max(
    oldest.updated_at + deps.settings.archiveAfterMs,
    deps.storage.kv.get<number>(retryKey) ?? 0,
  );
}

/**
 * How long the oldest archivable stream has waited past the time it became due (ms), the
 * archive lag of `GET /v1/admin/metrics`; 0 without a bucket or with nothing due. The same
 * scan as `nextArchiveDue`, which every alarm run does.
 */
export function archiveLagMs(deps: FleetDeps, now: number): number {
  if (!archiveBucket(deps)) return 0;
  const checkedUntil = deps.storage.kv.get<number>(lateMachineCheckKey) ?? 0;
  const oldest = candidates(deps.sql, now - deps.settings.archiveAfterMs, checkedUntil, 1)[0];
  // Counted from when the stream became due, not from a retry's backoff: a failing bucket shows.
  return oldest ? now - (oldest.updated_at + deps.settings.archiveAfterMs) : 0;
}

export interface ArchiveStepResult {
  objects: number;
  events: number;
}

/** One bounded step; returns what it archived. Safe to run again at any point. */
export async function archiveStep(deps: FleetDeps, now: number): Promise<ArchiveStepResult> {
  const bucket = archiveBucket(deps);
  const done: ArchiveStepResult = { objects: 0, events: 0 };
  if (!bucket || (deps.storage.kv.get<number>(retryKey) ?? 0) > now) return done;
  // A replay is streaming the archive: moving events now would hide them from it.
  if (archiveHeldByReplay(deps.storage)) {
    deps.storage.kv.put(retryKey, now + deps.settings.archiveRetryMs);
    return done;
  }
  const faults = deps.env.CRABBOX_TEST_MODE === "1" ? archiveTestFaults : {};
  const checkedUntil = deps.storage.kv.get<number>(lateMachineCheckKey) ?? 0;
  const due = candidates(deps.sql, now - deps.settings.archiveAfterMs, checkedUntil, 10);
  try {
    for (const candidate of due) {
      const budget = maxEventsPerObject - done.events;
      if (budget <= 0) break;
      const archived = await archiveRun(deps, bucket, candidate, budget, now, faults);
      done.events += archived;
      if (archived > 0) done.objects += 1;
    }
  } catch (error) {
    deps.storage.kv.put(retryKey, now + deps.settings.archiveRetryMs);
    console.warn(`fleet archive: ${(error as Error).message}`);
    return done;
  }
  // Due streams but nothing archived: only the log's head is left (see the module comment).
  if (due.length > 0 && done.objects === 0) deps.storage.kv.put(retryKey, now + deps.settings.archiveRetryMs);
  return done;
}

/** Archives the next run of one stream's events; returns how many left the DO. */
async function archiveRun(
  deps: FleetDeps,
  bucket: R2Bucket,
  candidate: Candidate,
  budget: number,
  now: number,
  faults: { at?: (step: string) => void },
): Promise<number> {
  const sql = deps.sql;
  const from = archivedThrough(sql, candidate.stream);
  const head = sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events").one().seq ?? 0;
  const rows = sql
    .exec<EventRow>(
      "SELECT * FROM events WHERE stream = ? AND version > ? AND seq < ? ORDER BY version LIMIT ?",
      candidate.stream,
      from,
      head,
      budget,
    )
    .toArray();
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (!first || !last) return 0;
  const lines: ArchivedLine[] = rows.map((row) => {
    const attachment = sql
      .exec<{ body: string }>("SELECT body FROM event_attachments WHERE seq = ? ORDER BY part", row.seq)
      .toArray()
      .map((r) => r.body)
      .join("");
    return {
      ...storedFields(row),
      hash: row.hash ?? "",
      ...(attachment !== "" ? { attachment } : {}),
    };
  });
  const key = objectKey(candidate.stream, first.version, last.version);
  const encoded = await encodeObject(lines);
  faults.at?.("put");
  const written = await bucket.put(key, encoded.body, {
    sha256: encoded.sha256,
    httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
    customMetadata: { stream: candidate.stream, firstSeq: String(first.seq), lastSeq: String(last.seq) },
  });
  faults.at?.("put-done");
  const final = last.version === candidate.version;
  return deps.storage.transactionSync(() => {
    const current = sql
      .exec<{ version: number }>("SELECT version FROM streams WHERE stream = ?", candidate.stream)
      .toArray()[0];
    // The stream moved (or another step archived it) while the object was written: try later.
    // An ended stream's row version is exact: only heartbeats skip the row (`writesSnapshot`).
    if (current?.version !== candidate.version || archivedThrough(sql, candidate.stream) !== from) return 0;
    insertTombstone(sql, {
      stream: candidate.stream,
      firstVersion: first.version,
      lastVersion: last.version,
      firstSeq: first.seq,
      lastSeq: Math.max(...rows.map((r) => r.seq)),
      objectKey: key,
      bytes: written?.size ?? encoded.body.byteLength,
      sha256: encoded.sha256,
      events: rows.length,
      lastAt: last.at,
      final,
      archivedAt: now,
    });
    sql.exec(
      "DELETE FROM events WHERE stream = ? AND version BETWEEN ? AND ?",
      candidate.stream,
      first.version,
      last.version,
    );
    if (final) sql.exec("DELETE FROM streams WHERE stream = ?", candidate.stream);
    faults.at?.("deleted");
    return rows.length;
  });
}
