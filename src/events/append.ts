/**
 * Step 5 of `EventStore.execute` (docs/event-log.md): inside the command's transaction, insert
 * the decided events (each chained to the one before), their attachments, apply every inline
 * projection that handles them, and write the stream's new snapshot (`writesSnapshot`).
 */
import { chunkUtf8 } from "../domain/utf8";
import { currentSchema, type EventType, validateForWrite } from "./catalogue";
import { eventHash, genesisHash } from "./hash-chain";
import type { AppliedProjection, StreamDecider } from "./store-types";
import type { EventDraft, EventMeta, EvolvableEvent, RecordedEvent } from "./types";

/** Attachment parts stay far below the 2 MB row limit. */
export const attachmentPartBytes = 512 * 1024;

/**
 * A run of heartbeats rewrites the stream's snapshot row only once every this many versions
 * (docs/event-log.md#write-cost-of-a-heartbeat); `loadStream` folds the few newer events onto it.
 */
export const snapshotEvery = 16;

/**
 * Whether this append writes the snapshot row: a new stream, any event but a heartbeat (so an
 * ended stream's row is exact), or a batch that reaches the next multiple of `snapshotEvery`.
 */
export function writesSnapshot(fromVersion: number, recorded: readonly RecordedEvent[]): boolean {
  const last = recorded.at(-1);
  if (!last) return false;
  if (fromVersion === 0 || recorded.some((event) => event.type !== "Heartbeat")) return true;
  return Math.floor(last.version / snapshotEvery) > Math.floor(fromVersion / snapshotEvery);
}

export interface AppendContext<S, C, E extends EventDraft> {
  sql: SqlStorage;
  stream: string;
  decider: StreamDecider<S, C, E>;
  drafts: E[];
  /** The state and version the drafts were decided on. */
  loaded: { state: S; version: number };
  now: number;
  meta: EventMeta;
  dedupeKey: string | undefined;
  newId: () => string;
  chainHead: () => { seq: number; hash: string };
  projections: readonly AppliedProjection[];
  faultAt: (step: string) => void;
}

const liveTables = (table: string) => table;

export function appendDrafts<S, C, E extends EventDraft>(
  ctx: AppendContext<S, C, E>,
): { state: S; version: number; recorded: RecordedEvent[] } {
  const { sql, stream, decider, faultAt } = ctx;
  const recorded: RecordedEvent[] = [];
  let { state, version } = ctx.loaded;
  let head = ctx.drafts.length > 0 ? ctx.chainHead() : { seq: 0, hash: genesisHash };
  const meta = JSON.stringify(ctx.meta);
  ctx.drafts.forEach((draft, index) => {
    const data = validateForWrite(draft.type, draft.data);
    version += 1;
    const id = ctx.newId();
    // The drafts are this decider's own events; validation only normalised their payloads.
    const evolvable = { type: draft.type, data, at: ctx.now } as EvolvableEvent<E>;
    const evolved = decider.evolve(state, evolvable);
    const owner = decider.ownerOf(evolved);
    const schema = currentSchema(draft.type as EventType);
    const key = index === 0 ? (ctx.dedupeKey ?? null) : null;
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
      meta: ctx.meta,
      dedupeKey: key,
      owner,
      at: ctx.now,
    };
    const hash = eventHash(head.hash, event);
    sql.exec(
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
      ctx.now,
      hash,
    );
    head = { seq, hash };
    faultAt(`event-inserted:${index}`);
    if (draft.attachment !== undefined) {
      chunkUtf8(draft.attachment, attachmentPartBytes).forEach((body, part) => {
        sql.exec("INSERT INTO event_attachments (seq, part, body) VALUES (?, ?, ?)", seq, part, body);
      });
      faultAt(`attachment-inserted:${index}`);
    }
    for (const projection of ctx.projections) {
      if (!projection.handles.has(event.type)) continue;
      projection.apply(sql, event, liveTables, { before: state, after: evolved });
      faultAt(`projected:${projection.name}:${index}`);
    }
    state = evolved;
    recorded.push(event);
  });

  if (writesSnapshot(ctx.loaded.version, recorded)) {
    writeSnapshot(
      sql,
      stream,
      ctx.loaded.version === 0,
      version,
      JSON.stringify(state),
      decider.snapshotSchema,
      ctx.now,
    );
    faultAt("stream-updated");
  }
  return { state, version, recorded };
}

function writeSnapshot(
  sql: SqlStorage,
  stream: string,
  isNew: boolean,
  version: number,
  snapshot: string,
  schema: number,
  now: number,
): void {
  if (isNew) {
    sql.exec(
      "INSERT INTO streams (stream, version, snapshot, snapshot_schema, updated_at) VALUES (?, ?, ?, ?, ?)",
      stream,
      version,
      snapshot,
      schema,
      now,
    );
  } else {
    sql.exec(
      "UPDATE streams SET version = ?, snapshot = ?, snapshot_schema = ?, updated_at = ? WHERE stream = ?",
      version,
      snapshot,
      schema,
      now,
      stream,
    );
  }
}
