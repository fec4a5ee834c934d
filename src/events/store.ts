/**
 * The event store of the Fleet Durable Object, over DO SQLite. Every command runs through
 * `execute`, which does all of this in ONE `transactionSync` (nothing awaits inside, so no
 * other request interleaves and a throw rolls everything back):
 *
 *   1. dedupe: a known key with the same fingerprint returns the recorded outcome and appends
 *      nothing; another fingerprint is `idempotency_key_reused`. Checked before the version, so
 *      a retry of a command that succeeded is never a spurious conflict.
 *   2. load the stream's state from its snapshot row (one read, however long the stream).
 *   3. optimistic concurrency: a stale `expectedVersion` is `version_conflict`.
 *   4. decide; a refusal (`CrabboxError`) under a dedupe key is remembered and re-thrown on retry.
 *   5. insert the events (each a ULID besides its seq), their attachments, apply every inline
 *      projection, update the stream row, record the dedupe outcome.
 */
import { chunkUtf8 } from "../domain/utf8";
import { CrabboxError, type ErrorCode, isCrabboxError } from "../errors";
import { inlineProjections } from "../projections/inline";
import { liveTables, type Projection } from "../projections/projection";
import { currentSchema, type EventType, upcast, validateForWrite } from "./catalogue";
import { repairChain } from "./chain-repair";
import { eventIdFactory } from "./event-ids";
import { eventHash, genesisHash } from "./hash-chain";
import { type EventRow, storedFields } from "./stored-row";
import type { Decider, EventDraft, EventMeta, EvolvableEvent, Json, RecordedEvent } from "./types";

/** Attachment parts stay far below the 2 MB row limit. */
export const attachmentPartBytes = 512 * 1024;
export const maxReadLimit = 500;

export interface EventStoreOptions {
  /** Event ids; defaults to monotonic ULIDs. */
  newId?: () => string;
  projections?: readonly Projection[];
  /**
   * TEST ONLY: called at each step inside the append transaction; throwing from it simulates a
   * crash at that point. Production code never sets it.
   */
  faultAt?: (step: string) => void;
}

export interface ExecuteInput<S, C, E extends EventDraft> {
  stream: string;
  decider: Decider<S, C, E>;
  command: C;
  /** Coordinator time, unix ms: becomes `at` of every event. */
  now: number;
  meta: EventMeta;
  expectedVersion?: number;
  /** Idempotency key (scope it yourself, e.g. `lease-create:<id>` or `idem:<owner>:<key>`). */
  dedupeKey?: string;
  /** Hash of the normalised request; required with `dedupeKey` (see `fingerprint()`). */
  fingerprint?: string;
  /**
   * Checked against the state before deciding, inside the transaction (e.g. "may this caller
   * see the lease?"); a throw appends nothing. Spares the caller a separate read of the state.
   */
  guard?: (state: S) => void;
  /**
   * Builds the response to remember under the dedupe key, from the state after the command.
   * A retry gets exactly this value back, even if the stream has moved on since.
   */
  result?: (state: S, events: RecordedEvent[]) => Json;
}

export interface Outcome {
  status: "appended" | "unchanged";
  stream: string;
  /** Stream version after the command. */
  version: number;
  firstSeq: number | null;
  lastSeq: number | null;
  eventIds: string[];
  result: Json;
}

export interface ExecuteResult<S> {
  /** `deduplicated`: a retry answered from the dedupe record; nothing was appended. */
  status: "appended" | "unchanged" | "deduplicated";
  /** The events this command produced (for a retry: those the original produced). */
  events: RecordedEvent[];
  /** The stream's current state. */
  state: S;
  /** Stream version after the (original) command. */
  version: number;
  outcome: Outcome;
}

export interface ReadAllQuery {
  /** Global position to start after (exclusive); default 0. */
  after?: number;
  /** Default and maximum 500. */
  limit?: number;
  stream?: string;
  type?: string;
  owner?: string;
  /** Inclusive lower bound on `at` (unix ms). */
  since?: number;
  /** Exclusive upper bound on `at` (unix ms). */
  until?: number;
}

export interface ReadAllPage {
  events: RecordedEvent[];
  /** Pass as `after` for the next page; null when this page was the last. */
  nextAfter: number | null;
}

interface CommandRow extends Record<string, SqlStorageValue> {
  fingerprint: string;
  stream: string;
  status: string;
  outcome: string;
}

interface StreamRow extends Record<string, SqlStorageValue> {
  version: number;
  snapshot: string;
  snapshot_schema: number;
}

type Rejection = { code: ErrorCode; message: string; details?: Record<string, unknown> };

export class EventStore {
  private readonly sql: SqlStorage;
  private readonly newId: () => string;
  private readonly projections: readonly Projection[];
  private readonly faultAt: (step: string) => void;

  constructor(
    private readonly storage: DurableObjectStorage,
    options: EventStoreOptions = {},
  ) {
    this.sql = storage.sql;
    this.newId = options.newId ?? eventIdFactory();
    this.projections = options.projections ?? inlineProjections;
    this.faultAt = options.faultAt ?? (() => {});
  }

  /** Runs one command against one stream, atomically. See the module comment for the steps. */
  execute<S, C, E extends EventDraft>(input: ExecuteInput<S, C, E>): ExecuteResult<S> {
    if (input.dedupeKey !== undefined && !input.fingerprint) {
      throw new CrabboxError("internal", "a dedupe key needs a request fingerprint");
    }
    const settled = this.storage.transactionSync(() => this.executeInTransaction(input));
    if ("rejection" in settled) {
      throw new CrabboxError(settled.rejection.code, settled.rejection.message, settled.rejection.details);
    }
    return settled;
  }

  /** Appends prepared events to a stream (tests, imports); same transaction path as `execute`. */
  append<S>(
    stream: string,
    decider: Decider<S, unknown, EventDraft>,
    expectedVersion: number | undefined,
    events: EventDraft[],
    options: { meta: EventMeta; now: number; dedupeKey?: string; fingerprint?: string },
  ): ExecuteResult<S> {
    const passthrough: Decider<S, EventDraft[], EventDraft> = { ...decider, decide: (drafts) => drafts };
    return this.execute({ stream, decider: passthrough, command: events, expectedVersion, ...options });
  }

  /** The current state and version of a stream, from its snapshot (or a fold when the snapshot is stale). */
  load<S, C, E extends EventDraft>(stream: string, decider: Decider<S, C, E>): { state: S; version: number } {
    const row = this.sql
      .exec<StreamRow>("SELECT version, snapshot, snapshot_schema FROM streams WHERE stream = ?", stream)
      .toArray()[0];
    if (!row) {
      if (this.isArchived(stream)) {
        throw new CrabboxError(
          "illegal_transition",
          `stream ${stream} ended and is archived; it takes no more events`,
          {
            stream,
            archived: true,
          },
        );
      }
      return { state: decider.initialState(), version: 0 };
    }
    if (row.snapshot_schema === decider.snapshotSchema)
      return { state: JSON.parse(row.snapshot) as S, version: row.version };
    // The state shape changed since the snapshot was written: fold the stream from the start.
    let state = decider.initialState();
    for (const event of this.readStream(stream))
      state = decider.evolve(state, event as unknown as EvolvableEvent<E>);
    return { state, version: row.version };
  }

  /** True when the stream's last event moved to the archive (docs/event-log.md, "Archive"). */
  private isArchived(stream: string): boolean {
    return (
      this.sql
        .exec("SELECT 1 FROM archive_tombstones WHERE stream = ? AND final = 1 LIMIT 1", stream)
        .toArray().length > 0
    );
  }

  /** A stream's events after `afterVersion`, in order. */
  readStream(stream: string, afterVersion = 0, limit?: number): RecordedEvent[] {
    const rows =
      limit === undefined
        ? this.sql.exec<EventRow>(
            "SELECT * FROM events WHERE stream = ? AND version > ? ORDER BY version",
            stream,
            afterVersion,
          )
        : this.sql.exec<EventRow>(
            "SELECT * FROM events WHERE stream = ? AND version > ? ORDER BY version LIMIT ?",
            stream,
            afterVersion,
            limit,
          );
    return rows.toArray().map(toRecorded);
  }

  /** The whole log (or a filtered slice) after a position, paged; every filter is index-backed. */
  readAll(query: ReadAllQuery = {}): ReadAllPage {
    const limit = Math.min(Math.max(1, Math.trunc(query.limit ?? maxReadLimit)), maxReadLimit);
    let after = Math.max(0, Math.trunc(query.after ?? 0));
    const where = ["seq > ?"];
    const params: SqlStorageValue[] = [];
    // Time bounds become seq bounds through the `at` index (the log is appended in clock order),
    // so a time window never scans the log from its start; `at` is still filtered exactly.
    if (query.since !== undefined) after = Math.max(after, this.firstSeqAtOrAfter(query.since) - 1);
    params.push(after);
    if (query.until !== undefined) {
      where.push("seq < ?");
      params.push(this.firstSeqAtOrAfter(query.until));
    }
    if (query.stream !== undefined) {
      where.push("stream = ?");
      params.push(query.stream);
    }
    if (query.type !== undefined) {
      where.push("type = ?");
      params.push(query.type);
    }
    if (query.owner !== undefined) {
      where.push("owner = ?");
      params.push(query.owner);
    }
    if (query.since !== undefined) {
      where.push("at >= ?");
      params.push(query.since);
    }
    if (query.until !== undefined) {
      where.push("at < ?");
      params.push(query.until);
    }
    const rows = this.sql
      .exec<EventRow>(
        `SELECT * FROM events WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`,
        ...params,
        limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit).map(toRecorded);
    return { events: page, nextAfter: rows.length > limit ? (page[page.length - 1]?.seq ?? null) : null };
  }

  /** Seq of the first event recorded at or after `at`; one past the head if none. */
  private firstSeqAtOrAfter(at: number): number {
    const row = this.sql
      .exec<{ seq: number }>("SELECT seq FROM events WHERE at >= ? ORDER BY at, seq LIMIT 1", at)
      .toArray()[0];
    return row ? row.seq : this.head() + 1;
  }

  /** The run log (or any event attachment) as one string. */
  readAttachment(seq: number): string {
    return this.sql
      .exec<{ body: string }>("SELECT body FROM event_attachments WHERE seq = ? ORDER BY part", seq)
      .toArray()
      .map((r) => r.body)
      .join("");
  }

  /**
   * The last event's seq and hash (genesis for an empty log): what the next event chains to.
   * Rows without a hash (written before the chain, or by a test's raw insert) are hashed first.
   */
  chainHead(): { seq: number; hash: string } {
    const row = this.sql
      .exec<{ seq: number; hash: string | null }>("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
      .toArray()[0];
    if (!row) return { seq: 0, hash: genesisHash };
    if (row.hash === null) return { seq: row.seq, hash: repairChain(this.sql) };
    return { seq: row.seq, hash: row.hash };
  }

  /** The chain hash of each of these events (those still in the live log). */
  hashesOf(seqs: readonly number[]): Map<number, string> {
    const hashes = new Map<number, string>();
    if (seqs.length === 0) return hashes;
    const rows = this.sql.exec<{ seq: number; hash: string | null }>(
      `SELECT seq, hash FROM events WHERE seq IN (${seqs.map(() => "?").join(",")})`,
      ...seqs,
    );
    for (const row of rows) if (row.hash !== null) hashes.set(row.seq, row.hash);
    return hashes;
  }

  /** Position of the last event, 0 for an empty log. */
  head(): number {
    return this.sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events").one().seq ?? 0;
  }

  private executeInTransaction<S, C, E extends EventDraft>(
    input: ExecuteInput<S, C, E>,
  ): ExecuteResult<S> | { rejection: Rejection } {
    const { stream, decider, dedupeKey } = input;

    // 1. Dedupe before anything else.
    if (dedupeKey !== undefined) {
      const known = this.sql
        .exec<CommandRow>(
          "SELECT fingerprint, stream, status, outcome FROM commands WHERE dedupe_key = ?",
          dedupeKey,
        )
        .toArray()[0];
      if (known) {
        if (known.fingerprint !== input.fingerprint || known.stream !== stream) {
          throw new CrabboxError(
            "idempotency_key_reused",
            "this idempotency key was used for a different request",
            {
              idempotencyKey: dedupeKey,
            },
          );
        }
        if (known.status === "rejected") return { rejection: JSON.parse(known.outcome) as Rejection };
        const outcome = JSON.parse(known.outcome) as Outcome;
        return {
          status: "deduplicated",
          events:
            outcome.firstSeq === null
              ? []
              : this.readSeqRange(outcome.firstSeq, outcome.lastSeq ?? outcome.firstSeq),
          state: this.load(stream, decider).state,
          version: outcome.version,
          outcome,
        };
      }
    }
    this.faultAt("dedupe-checked");

    // 2. State from the snapshot row.
    const loaded = this.load(stream, decider);
    let state = loaded.state;

    input.guard?.(state);

    // 3. Optimistic concurrency.
    if (input.expectedVersion !== undefined && input.expectedVersion !== loaded.version) {
      throw new CrabboxError(
        "version_conflict",
        `stream ${stream} is at version ${loaded.version}, not ${input.expectedVersion}`,
        {
          stream,
          expectedVersion: input.expectedVersion,
          actualVersion: loaded.version,
        },
      );
    }

    // 4. Decide.
    let drafts: E[];
    try {
      drafts = decider.decide(input.command, state, input.now);
    } catch (error) {
      if (!isCrabboxError(error) || error.code === "internal" || dedupeKey === undefined) throw error;
      const rejection: Rejection = { code: error.code, message: error.message };
      if (error.details) rejection.details = error.details;
      this.recordCommand(dedupeKey, input.fingerprint ?? "", stream, "rejected", rejection, input.now);
      this.faultAt("rejection-recorded");
      return { rejection };
    }

    // 5. Insert, project, bump the stream, remember the outcome.
    const recorded: RecordedEvent[] = [];
    let version = loaded.version;
    let head = drafts.length > 0 ? this.chainHead() : { seq: 0, hash: genesisHash };
    const meta = JSON.stringify(input.meta);
    drafts.forEach((draft, index) => {
      const data = validateForWrite(draft.type, draft.data);
      version += 1;
      const id = this.newId();
      const evolved = decider.evolve(state, {
        type: draft.type,
        data,
        at: input.now,
      } as unknown as EvolvableEvent<E>);
      const owner = decider.ownerOf(evolved);
      const schema = currentSchema(draft.type as EventType);
      const key = index === 0 ? (dedupeKey ?? null) : null;
      // seq is set explicitly (one past the head, never reused) because the hash covers it.
      const seq = head.seq + 1;
      const event: RecordedEvent = {
        seq,
        id,
        stream,
        version,
        type: draft.type,
        schema,
        data,
        meta: input.meta,
        dedupeKey: key,
        owner,
        at: input.now,
      };
      const hash = eventHash(head.hash, event);
      this.sql.exec(
        `INSERT INTO events (seq, id, stream, version, type, schema, data, meta, dedupe_key, owner, at, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        seq,
        id,
        stream,
        version,
        draft.type,
        schema,
        JSON.stringify(data),
        meta,
        key,
        owner,
        input.now,
        hash,
      );
      head = { seq, hash };
      this.faultAt(`event-inserted:${index}`);
      if (draft.attachment !== undefined) {
        chunkUtf8(draft.attachment, attachmentPartBytes).forEach((body, part) => {
          this.sql.exec("INSERT INTO event_attachments (seq, part, body) VALUES (?, ?, ?)", seq, part, body);
        });
        this.faultAt(`attachment-inserted:${index}`);
      }
      for (const projection of this.projections) {
        if (!projection.handles.has(event.type)) continue;
        projection.apply(this.sql, event, liveTables, { before: state, after: evolved });
        this.faultAt(`projected:${projection.name}:${index}`);
      }
      state = evolved;
      recorded.push(event);
    });

    if (recorded.length > 0) {
      const snapshot = JSON.stringify(state);
      if (loaded.version === 0) {
        this.sql.exec(
          "INSERT INTO streams (stream, version, snapshot, snapshot_schema, updated_at) VALUES (?, ?, ?, ?, ?)",
          stream,
          version,
          snapshot,
          decider.snapshotSchema,
          input.now,
        );
      } else {
        this.sql.exec(
          "UPDATE streams SET version = ?, snapshot = ?, snapshot_schema = ?, updated_at = ? WHERE stream = ?",
          version,
          snapshot,
          decider.snapshotSchema,
          input.now,
          stream,
        );
      }
      this.faultAt("stream-updated");
    }

    const outcome: Outcome = {
      status: recorded.length > 0 ? "appended" : "unchanged",
      stream,
      version,
      firstSeq: recorded[0]?.seq ?? null,
      lastSeq: recorded[recorded.length - 1]?.seq ?? null,
      eventIds: recorded.map((e) => e.id),
      result: input.result ? input.result(state, recorded) : null,
    };
    if (dedupeKey !== undefined) {
      this.recordCommand(dedupeKey, input.fingerprint ?? "", stream, outcome.status, outcome, input.now);
      this.faultAt("outcome-recorded");
    }
    return { status: outcome.status, events: recorded, state, version, outcome };
  }

  private recordCommand(
    key: string,
    fingerprint: string,
    stream: string,
    status: string,
    outcome: unknown,
    now: number,
  ): void {
    this.sql.exec(
      "INSERT INTO commands (dedupe_key, fingerprint, stream, status, outcome, at) VALUES (?, ?, ?, ?, ?, ?)",
      key,
      fingerprint,
      stream,
      status,
      JSON.stringify(outcome),
      now,
    );
  }

  private readSeqRange(first: number, last: number): RecordedEvent[] {
    return this.sql
      .exec<EventRow>("SELECT * FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq", first, last)
      .toArray()
      .map(toRecorded);
  }
}

function toRecorded(row: EventRow): RecordedEvent {
  const stored = storedFields(row);
  return { ...stored, data: upcast(row.type, row.schema, stored.data), meta: stored.meta as EventMeta };
}
