import type { Writable } from "node:stream";

export interface TimingRecord {
  provider: string;
  leaseId?: string;
  slug?: string;
  syncMs: number;
  syncSkipped: boolean;
  syncPhases?: { name: string; ms?: number; skipped?: boolean; reason?: string }[];
  commandMs: number;
  totalMs: number;
  exitCode: number;
}

/** `--timing-json`: one line on stderr, the reference's shape. */
export function printTiming(stream: Writable, record: TimingRecord): void {
  stream.write(`${JSON.stringify(record)}\n`);
}
