/**
 * A row of `events` as stored, and what the hash chain reads from it (docs/event-log.md,
 * "Hash chain"): the store, the chain repair and the export all read rows through here, so
 * they hash and show exactly the same fields.
 */
import { type ChainedFields, genesisHash } from "./hash-chain";

/** A row of `events` (migrations 0001 and 0004); `hash` is null only before the chain repair. */
export interface EventRow extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  stream: string;
  version: number;
  type: string;
  schema: number;
  data: string;
  meta: string;
  dedupe_key: string | null;
  owner: string | null;
  at: number;
  hash: string | null;
}

/** The fields the chain covers, as written: schema and data never upcast. */
export function storedFields(row: EventRow): ChainedFields {
  return {
    seq: row.seq,
    id: row.id,
    stream: row.stream,
    version: row.version,
    type: row.type,
    schema: row.schema,
    data: JSON.parse(row.data),
    meta: JSON.parse(row.meta),
    dedupeKey: row.dedupe_key,
    owner: row.owner,
    at: row.at,
  };
}

/** The newest event before `seq` that has a hash, or genesis (seq 0) when there is none. */
export function hashBefore(sql: SqlStorage, seq: number): { seq: number; hash: string } {
  const row = sql
    .exec<{ seq: number; hash: string }>(
      "SELECT seq, hash FROM events WHERE seq < ? AND hash IS NOT NULL ORDER BY seq DESC LIMIT 1",
      seq,
    )
    .toArray()[0];
  return row ?? { seq: 0, hash: genesisHash };
}
