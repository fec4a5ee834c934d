/**
 * The public client of a Crabbox coordinator: `import { createClient } from "crabbox"`
 * (docs/api.md, "Typed client"). It is the client the CLI runs on, not a second copy: one
 * method per operation, requests typed and answers validated with the zod schemas the Worker
 * validates with, GETs and keyed POSTs retried on transport errors and 502/503/504, POSTs
 * sent with an `Idempotency-Key`, and every failure a `ClientError`: a `CrabboxError` whose
 * `code` is one of the stable error codes.
 */
import { CrabboxError, type ErrorCode, errorCodes, isCrabboxError } from "../errors";
import { CoordinatorClient } from "./client";
import type { ClientError } from "./errors";
import type { HttpFetch } from "./http-fetch";
import { Transport } from "./transport";

export type * from "../api";
export type * from "../api/export";
export type * from "../api/meta";
export type * from "../api/webhooks";
export type { ClientError, ClientErrorDetails } from "./errors";
export type { HttpAnswer, HttpFetch, HttpInit } from "./http-fetch";
export { CoordinatorClient, CrabboxError, type ErrorCode, errorCodes, isCrabboxError };

export interface ClientOptions {
  /** The coordinator's base URL, e.g. `https://crabbox.example.com`. */
  url: string;
  /** An admin, shared or GitHub user (`cbxu_…`) token. */
  token: string;
  /** With the shared or admin token: who the calls are for (`X-Crabbox-Owner` / `X-Crabbox-Org`). */
  owner?: string;
  org?: string;
  /** Attempts for retryable calls (default 3). */
  attempts?: number;
  /** Per attempt, in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** How requests are sent: `node:http(s)` on Node, the global `fetch` elsewhere; pass `fetch` or a test double. */
  fetch?: HttpFetch;
}

export function createClient(options: ClientOptions): CoordinatorClient {
  return new CoordinatorClient(
    new Transport({
      baseUrl: options.url,
      token: options.token,
      ...(options.owner !== undefined ? { owner: options.owner } : {}),
      ...(options.org !== undefined ? { org: options.org } : {}),
      ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    }),
  );
}

/** A failure of a client call as the union on `code` (undefined for anything else, e.g. a bug). */
export function asClientError(error: unknown): ClientError | undefined {
  return isCrabboxError(error) ? (error as ClientError) : undefined;
}

/** Narrows a failure of a client call to one stable error code. */
export function hasErrorCode<C extends ErrorCode>(
  error: unknown,
  code: C,
): error is ClientError & { code: C } {
  return isCrabboxError(error) && error.code === code;
}
