import type { Writable } from "node:stream";

/** One JSON document on stdout with a trailing newline, as scripts expect. */
export function printJson(stream: Writable, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `key=value` pairs joined by spaces; missing values print as `-`. */
export function kv(pairs: Record<string, unknown>): string {
  return Object.entries(pairs)
    .map(([k, v]) => `${k}=${v === undefined || v === null || v === "" ? "-" : String(v)}`)
    .join(" ");
}
