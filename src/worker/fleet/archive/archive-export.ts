/**
 * `GET /v1/admin/export` across the archive (docs/event-log.md, "Export format"): live rows
 * and archived lines merged in seq order, so the export is the whole chain, gap-free, whatever
 * part of it has moved to R2. The first entry's `prevHash` is the hash of the event before it,
 * live or archived.
 */
import type { ExportEntry } from "../../../api/export";
import { type ExportWindow, readExportRows, toExportEntry } from "../../../events/export-read";
import { genesisHash } from "../../../events/hash-chain";
import type { FleetDeps } from "../deps";
import type { ArchivedLine } from "./archive-object";
import { archivedSlice, hashOfSeq, mergePage } from "./archive-reader";

type Item = { seq: number; entry: (prevHash: string) => ExportEntry; hash: string };

function archivedEntry(line: ArchivedLine): Item {
  const { hash, attachment: _attachment, ...fields } = line;
  return { seq: line.seq, hash, entry: (prevHash) => ({ ...fields, prevHash, hash }) };
}

export async function readExportPageAcrossArchive(
  deps: FleetDeps,
  window: ExportWindow,
): Promise<{ entries: ExportEntry[]; next: number | null }> {
  const rows = readExportRows(deps.sql, window);
  const live: Item[] = rows
    .slice(0, window.limit)
    .map((row) => ({ seq: row.seq, hash: row.hash, entry: (prev) => toExportEntry(row, prev) }));
  const liveComplete =
    rows.length > window.limit ? (live[live.length - 1]?.seq ?? 0) : Number.POSITIVE_INFINITY;
  const slice = await archivedSlice(deps, window.after, Number.MAX_SAFE_INTEGER, {
    ...(window.since !== undefined ? { sinceAt: window.since } : {}),
  });
  const archived = slice.lines
    .filter(
      (l) =>
        (window.since === undefined || l.at >= window.since) &&
        (window.until === undefined || l.at < window.until),
    )
    .map(archivedEntry);
  const page = mergePage(live, liveComplete, archived, slice.completeThrough, window.limit);
  const first = page.items[0];
  let prev = first && first.seq > 1 ? ((await hashOfSeq(deps, first.seq - 1)) ?? genesisHash) : genesisHash;
  const entries: ExportEntry[] = [];
  for (const item of page.items) {
    entries.push(item.entry(prev));
    prev = item.hash;
  }
  return { entries, next: page.next };
}
