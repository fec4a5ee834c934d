/**
 * The Node APIs the Worker may use, and nothing more: the Workers project (tsconfig.worker.json)
 * compiles without @types/node, so any other `node:` import or Node global fails to type-check
 * there. workerd provides these under the `nodejs_compat` flag (wrangler.toml).
 *
 * Not part of tsconfig.json's program, which has the full @types/node for tests and the CLI.
 */

// Synchronous SHA-256 for the hash chain (docs/event-log.md#hash-chain).
declare module "node:crypto" {
  interface Hash {
    update(data: string, encoding: "utf8"): Hash;
    digest(encoding: "hex"): string;
  }
  export function createHash(algorithm: "sha256"): Hash;
}

// Both runtimes ignore an id that names no timer (the HTML timers spec), and the code keeps
// "no timer yet" as `undefined`; workers-types only declares `number | null`.
declare function clearTimeout(timeoutId: number | undefined): void;

// One-step gunzip of a small archive object a replay read ahead (docs/event-log.md#archive):
// a DecompressionStream costs a few promise hops per chunk, most of a small object's replay.
declare module "node:zlib" {
  export function gunzipSync(data: Uint8Array, options?: { maxOutputLength?: number }): Uint8Array;
}
