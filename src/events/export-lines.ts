import type { ExportEntry } from "../api/export";

/**
 * The lines of a log export (docs/event-log.md, "Export format"): a header, one line per
 * event as stored, and an end line that lets a verifier tell a truncated file from a whole one.
 * `crabbox admin export` writes them one by one; the tests build whole files from them.
 */
export function exportHeaderLine(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ kind: "header", format: "crabbox-log-export", formatVersion: 1, ...extra });
}

export function exportEventLine(entry: ExportEntry): string {
  return JSON.stringify({ kind: "event", ...entry });
}

export function exportEndLine(count: number, last: ExportEntry | undefined): string {
  return JSON.stringify({ kind: "end", count, lastSeq: last?.seq ?? null, lastHash: last?.hash ?? null });
}

/** A whole export of `entries`, header to end line (without the end line: a truncated one). */
export function exportLines(entries: readonly ExportEntry[], end = true): string[] {
  const lines = [exportHeaderLine(), ...entries.map(exportEventLine)];
  if (end) lines.push(exportEndLine(entries.length, entries[entries.length - 1]));
  return lines;
}
