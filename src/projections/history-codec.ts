/**
 * The stored form of an ended lease's telemetry history (`lease_heartbeats.history`,
 * docs/event-log.md#heartbeat-summaries): one JSON object of columns instead of an array of
 * samples, lossless, so the history read back equals the one the live lease showed.
 *
 *   {"n": <samples>, "c": {<field>: <column>, ...}}   fields in code-unit order
 *
 * A column is the field's value in every sample, oldest first:
 *  - `v`: every sample has the field, with the same value;
 *  - `{"d": [first, step]}`: every sample has a non-negative safe integer, each `step` more
 *    than the one before (capture times, uptimes);
 *  - `{"d": [first, delta1, …]}`: every sample has a non-negative safe integer, stored as the
 *    first and the differences;
 *  - `[v0, v1, …]`: otherwise, `null` where a sample lacks the field.
 * Migration 0014 writes this form from the old sample array in SQL; its test checks both
 * give the same text (test/events/migrate-backfill.int.test.ts).
 */
import type { TelemetrySample } from "../events/payloads/shared";

type Value = string | number | boolean;
type Cell = Value | null;

interface StoredHistory {
  n: number;
  c: Record<string, unknown>;
}

const isCount = (v: Cell): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

function encodeColumn(values: readonly Cell[]): unknown {
  const [first] = values;
  if (first === undefined || values.some((v) => v === null)) return values;
  if (values.every((v) => v === first)) return first;
  if (!values.every(isCount)) return values;
  const counts = values as readonly number[];
  const deltas = counts.slice(1).map((v, i) => v - (counts[i] as number));
  return { d: deltas.every((d) => d === deltas[0]) ? [first, deltas[0]] : [first, ...deltas] };
}

/** The history (oldest capture first) as its stored text. */
export function encodeHistory(samples: readonly TelemetrySample[]): string {
  const rows = samples as readonly Record<string, Cell | undefined>[];
  const fields = [...new Set(rows.flatMap((s) => Object.keys(s)))].sort();
  const c: Record<string, unknown> = {};
  for (const field of fields) c[field] = encodeColumn(rows.map((s) => s[field] ?? null));
  return JSON.stringify({ n: samples.length, c } satisfies StoredHistory);
}

function decodeColumn(column: unknown, n: number): readonly Cell[] {
  if (Array.isArray(column)) return column as Cell[];
  if (column === null || typeof column !== "object") return Array.from({ length: n }, () => column as Value);
  const d = (column as { d: number[] }).d;
  const values: number[] = [];
  let value = 0;
  for (let i = 0; i < n; i++) {
    value = i === 0 ? (d[0] as number) : value + (d.length === n ? (d[i] as number) : (d[1] as number));
    values.push(value);
  }
  return values;
}

/** The stored text back as the samples it was written from (unchecked; callers parse them). */
export function decodeHistory(text: string): unknown[] {
  const { n, c } = JSON.parse(text) as StoredHistory;
  const samples = Array.from({ length: n }, () => ({}) as Record<string, Cell>);
  for (const [field, column] of Object.entries(c)) {
    decodeColumn(column, n).forEach((value, i) => {
      const sample = samples[i];
      if (value !== null && sample) sample[field] = value;
    });
  }
  return samples;
}
