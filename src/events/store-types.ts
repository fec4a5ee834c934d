/** The shapes `EventStore` takes and returns (docs/event-log.md). */
import type { ErrorCode } from "../errors";
import type { Decider, EventDraft, EventMeta, RecordedEvent, StreamDescriptor } from "./types";

/** What `execute` runs: a pure decider with the descriptor of its streams. */
export type StreamDecider<S, C, E extends EventDraft> = Decider<S, C, E> & StreamDescriptor<S>;

/** The table names a projection writes (itself, or its shadow during a rebuild). */
export type TableName = (table: string) => string;

/**
 * An inline projection as the store applies it, inside the append transaction. The Durable
 * Object hands the store its projections (src/projections/inline.ts), so this module never
 * imports them.
 */
export interface AppliedProjection {
  readonly name: string;
  readonly handles: ReadonlySet<string>;
  apply(
    sql: SqlStorage,
    event: RecordedEvent,
    table: TableName,
    states?: { before: unknown; after: unknown },
  ): void;
}

export interface ExecuteInput<S, C, E extends EventDraft, T = null> {
  stream: string;
  decider: StreamDecider<S, C, E>;
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
   * Builds the command's response from the state after it, inside the transaction. Under a
   * dedupe key it is remembered (as JSON): a retry gets exactly this value back, even if the
   * stream has moved on since. Without it `outcome.result` is null.
   */
  result?: (state: S, events: RecordedEvent[]) => T;
}

export interface Outcome<T = null> {
  status: "appended" | "unchanged";
  stream: string;
  /** Stream version after the command. */
  version: number;
  firstSeq: number | null;
  lastSeq: number | null;
  eventIds: string[];
  result: T;
}

export interface ExecuteResult<S, T = null> {
  /** `deduplicated`: a retry answered from the dedupe record; nothing was appended. */
  status: "appended" | "unchanged" | "deduplicated";
  /** The events this command produced (for a retry: those the original produced). */
  events: RecordedEvent[];
  /** The stream's current state. */
  state: S;
  /** Stream version after the (original) command. */
  version: number;
  outcome: Outcome<T>;
}

/** A refusal remembered under a dedupe key, re-thrown on every retry. */
export type Rejection = { code: ErrorCode; message: string; details?: Record<string, unknown> };

/** What the store remembers under a dedupe key, as `recall` reports it. */
export type Recalled<T> =
  | { kind: "unknown" }
  /** The key was used for another request (another fingerprint). */
  | { kind: "different"; stream: string }
  | { kind: "rejected"; stream: string; rejection: Rejection }
  | { kind: "recorded"; stream: string; outcome: Outcome<T> };

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
