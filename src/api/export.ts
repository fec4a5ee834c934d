/**
 * `GET /v1/admin/export`: the log as stored (schema and data as written, never upcast), each
 * event with its hash and the hash it chains to, so an auditor can check it offline
 * (docs/event-log.md, "Export format"). `crabbox admin export` writes these entries as NDJSON.
 */
import { z } from "zod";
import { LogEvent, timeBound } from "./admin";
import { afterParam, limitParam } from "./shared";

export const ExportQuery = z.object({
  after: afterParam,
  limit: limitParam(500, 500),
  since: timeBound.optional(),
  until: timeBound.optional(),
});
export type ExportQuery = z.infer<typeof ExportQuery>;

const hash = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits");

/** One event line of an export: the hashed fields, then `prevHash` and `hash`. */
export const ExportEntry = LogEvent.omit({ at: true, hash: true }).extend({
  dedupeKey: z.string().nullable(),
  owner: z.string().nullable(),
  /** Unix ms, as hashed. */
  at: z.number().int(),
  prevHash: hash,
  hash,
});
export type ExportEntry = z.infer<typeof ExportEntry>;

export const ExportPage = z.object({
  entries: z.array(ExportEntry),
  /** The `after` of the next page; absent at the end. */
  next: z.number().int().nonnegative().optional(),
  /** The log's head when this page was read: an auditor's anchor for "nothing after". */
  head: z.object({ seq: z.number().int().nonnegative(), hash }),
});
export type ExportPage = z.infer<typeof ExportPage>;
