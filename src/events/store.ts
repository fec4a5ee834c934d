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
 *      projection, update the stream row, record the dedupe outcome (./append.ts).
 *
 * The store owns idempotency: `recall` tells a use case what a key already answered, so no
 * caller reads the `commands` table itself.
 */
import { CrabboxError, isCrabboxError } from "../errors";
import { appendDrafts } from "./append";
import { repairChain } from "./chain-repair";
import { eventIdFactory } from "./event-ids";
import { genesisHash } from "./hash-chain";
import * as reads from "./store-reads";
import type {
  AppliedProjection,
  ExecuteInput,
  ExecuteResult,
  Outcome,
  ReadAllPage,
  ReadAllQuery,
  Recalled,
  Rejection,
  StreamDecider,
} from "./store-types";
import { loadStream } from "./stream-load";
import type { EventDraft, EventMeta, RecordedEvent } from "./types";

export type {
  ExecuteInput,
  ExecuteResult,
  ReadAllPage,
  ReadAllQuery,
  Recalled,
} from "./store-types";

export interface EventStoreOptions {
  /** The inline projections every append applies, in order (the DO passes src/projections/inline.ts). */
  projections: readonly AppliedProjection[];
  /** Event ids; defaults to monotonic ULIDs. */
  newId?: () => string;
  /**
   * TEST ONLY: called at each step inside the append transaction; throwing from it simulates a
   * crash at that point. Production code never sets it.
   */
  faultAt?: (step: string) => void;
}

interface CommandRow extends Record<string, SqlStorageValue> {
  fingerprint: string;
  stream: string;
  status: string;
  outcome: string;
}

export class EventStore {
  private readonly sql: SqlStorage;
  private readonly newId: () => string;
  private readonly projections: readonly AppliedProjection[];
  private readonly faultAt: (step: string) => void;

  constructor(
    private readonly storage: DurableObjectStorage,
    options: EventStoreOptions,
  ) {
    this.sql = storage.sql;
    this.newId = options.newId ?? eventIdFactory();
    this.projections = options.projections;
    this.faultAt = options.faultAt ?? (() => {});
  }

  /** Runs one command against one stream, atomically. See the module comment for the steps. */
  execute<S, C, E extends EventDraft, T = null>(input: ExecuteInput<S, C, E, T>): ExecuteResult<S, T> {
    if (input.dedupeKey !== undefined && !input.fingerprint) {
      throw new CrabboxError("internal", "a dedupe key needs a request fingerprint");
    }
    const settled = this.storage.transactionSync(() => this.executeInTransaction(input));
    if ("rejection" in settled) {
      throw new CrabboxError(settled.rejection.code, settled.rejection.message, settled.rejection.details);
    }
    return settled;
  }

  /**
   * What a dedupe key already answered. `T` is the type of the `result` the original command
   * built; the store kept it as JSON.
   */
  recall<T = null>(key: string, fingerprint: string): Recalled<T> {
    const known = this.sql
      .exec<CommandRow>("SELECT fingerprint, stream, status, outcome FROM commands WHERE dedupe_key = ?", key)
      .toArray()[0];
    if (!known) return { kind: "unknown" };
    if (known.fingerprint !== fingerprint) return { kind: "different", stream: known.stream };
    if (known.status === "rejected")
      return { kind: "rejected", stream: known.stream, rejection: JSON.parse(known.outcome) as Rejection };
    return { kind: "recorded", stream: known.stream, outcome: JSON.parse(known.outcome) as Outcome<T> };
  }

  /** Appends prepared events to a stream (tests, imports); same transaction path as `execute`. */
  append<S>(
    stream: string,
    decider: StreamDecider<S, unknown, EventDraft>,
    expectedVersion: number | undefined,
    events: EventDraft[],
    options: { meta: EventMeta; now: number; dedupeKey?: string; fingerprint?: string },
  ): ExecuteResult<S> {
    const passthrough: StreamDecider<S, EventDraft[], EventDraft> = {
      ...decider,
      decide: (drafts) => drafts,
    };
    return this.execute({ stream, decider: passthrough, command: events, expectedVersion, ...options });
  }

  /** The current state and version of a stream, from its snapshot (or a fold when the snapshot is stale). */
  load<S, C, E extends EventDraft>(
    stream: string,
    decider: StreamDecider<S, C, E>,
  ): { state: S; version: number } {
    return loadStream(this.sql, stream, decider);
  }

  /** A stream's events after `afterVersion`, in order. */
  readStream(stream: string, afterVersion = 0, limit?: number): RecordedEvent[] {
    return reads.readStream(this.sql, stream, afterVersion, limit);
  }

  /** The whole log (or a filtered slice) after a position, paged; every filter is index-backed. */
  readAll(query: ReadAllQuery = {}): ReadAllPage {
    return reads.readAll(this.sql, query);
  }

  /** The run log (or any event attachment) as one string. */
  readAttachment(seq: number): string {
    return reads.readAttachment(this.sql, seq);
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
    return reads.hashesOf(this.sql, seqs);
  }

  /** Position of the last event, 0 for an empty log. */
  head(): number {
    return reads.head(this.sql);
  }

  private executeInTransaction<S, C, E extends EventDraft, T>(
    input: ExecuteInput<S, C, E, T>,
  ): ExecuteResult<S, T> | { rejection: Rejection } {
    const { stream, decider, dedupeKey } = input;

    // 1. Dedupe before anything else.
    if (dedupeKey !== undefined) {
      const known = this.recall<T>(dedupeKey, input.fingerprint ?? "");
      if (known.kind !== "unknown" && (known.kind === "different" || known.stream !== stream)) {
        throw new CrabboxError(
          "idempotency_key_reused",
          "this idempotency key was used for a different request",
          {
            idempotencyKey: dedupeKey,
          },
        );
      }
      if (known.kind === "rejected") return { rejection: known.rejection };
      if (known.kind === "recorded") {
        const { outcome } = known;
        return {
          status: "deduplicated",
          events:
            outcome.firstSeq === null
              ? []
              : reads.readSeqRange(this.sql, outcome.firstSeq, outcome.lastSeq ?? outcome.firstSeq),
          state: this.load(stream, decider).state,
          version: outcome.version,
          outcome,
        };
      }
    }
    this.faultAt("dedupe-checked");

    // 2. State from the snapshot row.
    const loaded = this.load(stream, decider);
    input.guard?.(loaded.state);

    // 3. Optimistic concurrency.
    if (input.expectedVersion !== undefined && input.expectedVersion !== loaded.version) {
      throw new CrabboxError(
        "version_conflict",
        `stream ${stream} is at version ${loaded.version}, not ${input.expectedVersion}`,
        { stream, expectedVersion: input.expectedVersion, actualVersion: loaded.version },
      );
    }

    // 4. Decide.
    let drafts: E[];
    try {
      drafts = decider.decide(input.command, loaded.state, input.now);
    } catch (error) {
      if (!isCrabboxError(error) || error.code === "internal" || dedupeKey === undefined) throw error;
      const rejection: Rejection = { code: error.code, message: error.message };
      if (error.details) rejection.details = error.details;
      this.recordCommand(dedupeKey, input.fingerprint ?? "", stream, "rejected", rejection, input.now);
      this.faultAt("rejection-recorded");
      return { rejection };
    }

    // 5. Insert, project, bump the stream, remember the outcome.
    const { state, version, recorded } = appendDrafts({
      sql: this.sql,
      stream,
      decider,
      drafts,
      loaded,
      now: input.now,
      meta: input.meta,
      dedupeKey,
      newId: this.newId,
      chainHead: () => this.chainHead(),
      projections: this.projections,
      faultAt: this.faultAt,
    });
    const outcome: Outcome<T> = {
      status: recorded.length > 0 ? "appended" : "unchanged",
      stream,
      version,
      firstSeq: recorded[0]?.seq ?? null,
      lastSeq: recorded[recorded.length - 1]?.seq ?? null,
      eventIds: recorded.map((e) => e.id),
      // Without a builder the outcome carries null, which is what `T` defaults to.
      result: input.result ? input.result(state, recorded) : (null as T),
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
}
