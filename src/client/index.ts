/**
 * The public client of a Crabbox coordinator: `import { createClient } from "crabbox"`.
 * It is the CLI's own coordinator client (src/cli/coordinator), not a second copy: one method
 * per operation, requests and answers validated with the zod schemas the Worker validates
 * with, GETs and keyed POSTs retried on transport errors and 502/503/504, and every failure a
 * `CrabboxError` whose `code` is one of the stable error codes (docs/api.md, "Typed client").
 */
import { CoordinatorClient } from "../cli/coordinator/client";
import { Transport } from "../cli/coordinator/transport";
import { CrabboxError, type ErrorCode, errorCodes, isCrabboxError } from "../errors";

export type * from "../api";
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
  /** Per attempt, in milliseconds. */
  timeoutMs?: number;
  fetch?: typeof fetch;
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

/** Narrows a failure of a client call to one stable error code. */
export function hasErrorCode<C extends ErrorCode>(
  error: unknown,
  code: C,
): error is CrabboxError & { code: C } {
  return isCrabboxError(error) && error.code === code;
}
