/**
 * The shapes every aggregate and the event store share. Deciders produce `EventDraft`s; the
 * store stamps them with a position, an id and the coordinator time and hands `RecordedEvent`s
 * back. `evolve` only needs the type, the payload and the time (`at`), so the pure tests can
 * build events without a store.
 */

/** What a decider emits: the event name and its validated payload. */
export interface EventDraft<T extends string = string, D = unknown> {
  type: T;
  data: D;
  /**
   * Bulky bytes that belong to this event but are not part of its audit record (the run log).
   * The store writes them to `event_attachments` in the same transaction; they never enter the
   * event row, so the log stays small and readable.
   */
  attachment?: string;
}

/** The minimum `evolve` needs: an event with the coordinator time it was recorded at. */
export type EvolvableEvent<E extends EventDraft = EventDraft> = E extends EventDraft
  ? { type: E["type"]; data: E["data"]; at: number }
  : never;

/** Who caused an event: the resolved identity, never a token. */
export interface EventActor {
  kind: "admin" | "shared" | "github" | "access" | "system";
  owner: string;
  org: string;
}

export interface EventMeta {
  actor: EventActor;
  /** ULID of the HTTP request (or alarm run) that produced the event. */
  requestId?: string;
  /** Id of the event that caused this one (e.g. the `Released` behind a `MachineDeleteRequested`). */
  causationId?: string;
}

/** An event as stored and read back. */
export interface RecordedEvent<T extends string = string, D = unknown> {
  /** Global position, strictly increasing. */
  seq: number;
  /** ULID, unique, what other systems reference. */
  id: string;
  stream: string;
  /** Position inside the stream, contiguous from 1. */
  version: number;
  type: T;
  /** Schema version of `data` as stored; reads are upcast to the current version. */
  schema: number;
  data: D;
  meta: EventMeta;
  /** Set on the first event a deduplicated command produced. */
  dedupeKey: string | null;
  /** Owner of the stream the event belongs to (for audit filters). */
  owner: string | null;
  /** Coordinator time, unix ms. */
  at: number;
}

/**
 * A pure aggregate: no I/O, no clock reads, no randomness. `now` and ids arrive as arguments.
 * `decide` throws a `CrabboxError` for a refused command and returns `[]` when the command is
 * already satisfied (an idempotent no-op).
 */
export interface Decider<S, C, E extends EventDraft> {
  initialState(): S;
  decide(command: C, state: S, now: number): E[];
  evolve(state: S, event: EvolvableEvent<E>): S;
}

/** How the store keeps the streams of one aggregate: their name, snapshot shape and owner. */
export interface StreamDescriptor<S> {
  /** Stream prefix, e.g. `lease` for `lease:<id>`. */
  readonly kind: string;
  /** Bump when the state shape changes: stored snapshots with another number are ignored. */
  readonly snapshotSchema: number;
  /** The owner recorded on the stream's events, for audit filters. */
  ownerOf(state: S): string | null;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
