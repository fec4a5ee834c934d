/**
 * Offline check of a log export (`crabbox admin verify-export`, format in docs/event-log.md
 * "Export format"): recomputes every event's hash, follows the chain and the seq order, and
 * reports each edited, dropped or reordered event with its line and seq. Pure: text in, report out.
 */
import { ExportEntry } from "../api/export";
import { eventHash, genesisHash } from "./hash-chain";

export type ExportProblemKind = "malformed" | "edited" | "dropped" | "reordered" | "truncated";

export interface ExportProblem {
  kind: ExportProblemKind;
  /** 1-based line of the export file. */
  line: number;
  seq?: number;
  message: string;
}

export interface ExportVerification {
  ok: boolean;
  events: number;
  firstSeq: number | null;
  lastSeq: number | null;
  lastHash: string | null;
  problems: ExportProblem[];
}

interface Placed {
  line: number;
  entry: ExportEntry;
}

export function verifyExport(text: string): ExportVerification {
  const problems: ExportProblem[] = [];
  const events: Placed[] = [];
  let end: { line: number; count: unknown; lastSeq: unknown; lastHash: unknown } | undefined;
  const lines = text.split("\n");
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      problems.push({ kind: "malformed", line, message: "not a JSON line" });
      return;
    }
    const kind = (parsed as { kind?: unknown }).kind;
    if (kind === "header") return;
    if (kind === "end") {
      const e = parsed as { count?: unknown; lastSeq?: unknown; lastHash?: unknown };
      end = { line, count: e.count, lastSeq: e.lastSeq, lastHash: e.lastHash };
      return;
    }
    const entry = ExportEntry.safeParse(parsed);
    if (!entry.success) {
      problems.push({
        kind: "malformed",
        line,
        message: `not an event line: ${entry.error.issues[0]?.message}`,
      });
      return;
    }
    events.push({ line, entry: entry.data });
  });

  let previous: Placed | undefined;
  for (const current of events) {
    const { entry, line } = current;
    if (eventHash(entry.prevHash, entry) !== entry.hash)
      problems.push({
        kind: "edited",
        line,
        seq: entry.seq,
        message: `event seq ${entry.seq} does not match its hash`,
      });
    if (!previous) {
      if (entry.seq === 1 && entry.prevHash !== genesisHash)
        problems.push({
          kind: "edited",
          line,
          seq: 1,
          message: "the first event of the log must chain to the genesis hash",
        });
    } else if (entry.seq <= previous.entry.seq) {
      problems.push({
        kind: "reordered",
        line,
        seq: entry.seq,
        message: `seq ${entry.seq} comes after seq ${previous.entry.seq} (line ${previous.line})`,
      });
    } else if (entry.seq > previous.entry.seq + 1) {
      const from = previous.entry.seq + 1;
      const to = entry.seq - 1;
      problems.push({
        kind: "dropped",
        line,
        seq: from,
        message: `seq ${from === to ? from : `${from}..${to}`} missing before line ${line}`,
      });
    } else if (entry.prevHash !== previous.entry.hash) {
      problems.push({
        kind: "edited",
        line: previous.line,
        seq: previous.entry.seq,
        message: `event seq ${previous.entry.seq} is not the one seq ${entry.seq} (line ${line}) chains to`,
      });
    }
    previous = current;
  }

  const last = events[events.length - 1]?.entry;
  if (!end) {
    problems.push({
      kind: "truncated",
      line: lines.length,
      message: 'no "end" line: the export was cut short',
    });
  } else if (
    end.count !== events.length ||
    end.lastSeq !== (last?.seq ?? null) ||
    end.lastHash !== (last?.hash ?? null)
  ) {
    problems.push({
      kind: "truncated",
      line: end.line,
      message: `the end line promises ${String(end.count)} events up to seq ${String(end.lastSeq)}; the file has ${events.length} up to seq ${last?.seq ?? "none"}`,
    });
  }
  return {
    ok: problems.length === 0,
    events: events.length,
    firstSeq: events[0]?.entry.seq ?? null,
    lastSeq: last?.seq ?? null,
    lastHash: last?.hash ?? null,
    problems,
  };
}
