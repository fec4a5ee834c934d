import { writeFileSync } from "node:fs";
import type { Writable } from "node:stream";

/** Where a run or warmup spent its time, in ms (docs/cli.md, "The run flow"). */
export interface TimingPhases {
  config: number;
  manifest: number;
  lease: number;
  ready: number;
  sync: number;
  command: number;
  collect: number;
  release: number;
}

export interface TimingRecord {
  provider: string;
  leaseId?: string;
  slug?: string;
  leaseMs?: number;
  syncMs: number;
  syncSkipped: boolean;
  syncPhases?: { name: string; ms?: number; skipped?: boolean; reason?: string }[];
  commandMs: number;
  totalMs: number;
  exitCode: number;
  phases?: TimingPhases;
}

/**
 * `--timing-json`: one line on stderr, the reference's shape; `--timing-json=<file>` writes
 * the same object to that file instead, so it never mixes with the command's own stderr.
 */
export function printTiming(stream: Writable, record: TimingRecord, file?: string | boolean): void {
  const line = `${JSON.stringify(record)}\n`;
  if (typeof file === "string") writeFileSync(file, line);
  else stream.write(line);
}

/** The run summary's figures: the same ones `--timing-json` records. */
export function phaseSummary(phases: TimingPhases): string {
  return Object.entries(phases)
    .map(([name, ms]) => `${name}=${ms}ms`)
    .join(" ");
}
