/**
 * The log's hash chain (docs/event-log.md, "Hash chain"): every event's hash covers the hash of
 * the event before it (by global seq), so an edited, dropped or reordered event breaks every
 * hash after it. Shared by the store (writes), the export (reads) and `crabbox admin
 * verify-export` (offline), so all three hash exactly the same bytes.
 *
 * Synchronous SHA-256 (`node:crypto`, available in workerd under `nodejs_compat`) because the
 * hash is computed inside the store's `transactionSync`, where nothing may await.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "./fingerprint";

/** The `prevHash` of the first event of the log. */
export const genesisHash = "0".repeat(64);

/** The fields an event's hash covers: the row as stored (schema and data as written, never upcast). */
export interface ChainedFields {
  seq: number;
  id: string;
  stream: string;
  version: number;
  type: string;
  schema: number;
  data: unknown;
  meta: unknown;
  dedupeKey: string | null;
  owner: string | null;
  /** Unix ms. */
  at: number;
}

/** The exact bytes hashed: `prevHash`, a line feed, then the RFC 8785 (JCS) form of the fields. */
export function chainInput(prevHash: string, fields: ChainedFields): string {
  const record = {
    seq: fields.seq,
    id: fields.id,
    stream: fields.stream,
    version: fields.version,
    type: fields.type,
    schema: fields.schema,
    data: fields.data,
    meta: fields.meta,
    dedupeKey: fields.dedupeKey,
    owner: fields.owner,
    at: fields.at,
  };
  return `${prevHash}\n${canonicalJson(record)}`;
}

/** Lowercase hex SHA-256 of `chainInput(prevHash, fields)` (UTF-8). */
export function eventHash(prevHash: string, fields: ChainedFields): string {
  return createHash("sha256").update(chainInput(prevHash, fields), "utf8").digest("hex");
}
