/**
 * One HTTP call to a cloud API with a deadline and bounded retries: 429 waits for the
 * server's Retry-After, 5xx and timeouts back off and try again, anything else is returned
 * to the caller. Every retried request must be safe to repeat; the providers make their
 * creates repeatable with unique names (Hetzner) or client tokens (EC2).
 */

import { CrabboxError } from "../errors";
import { sleep } from "../time/sleep";

export interface RetryPolicy {
  /** Per-attempt deadline. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Base of the exponential back-off for 5xx and timeouts. */
  backoffMs: number;
  /** Longest Retry-After honoured; a longer one fails fast instead of stalling a lease. */
  maxRetryAfterMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const defaultRetryPolicy: RetryPolicy = {
  timeoutMs: 30_000,
  maxRetries: 3,
  backoffMs: 500,
  maxRetryAfterMs: 60_000,
  sleep,
};

/** Retry-After as delta seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long a 429 asks us to wait: Retry-After, or else RateLimit-Reset, the UNIX time at which
 * the budget is back (Hetzner sends only the latter: https://docs.hetzner.cloud/ "Rate Limiting").
 */
export function throttleWaitMs(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = retryAfterMs(headers.get("retry-after"), now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = headers.get("ratelimit-reset")?.trim();
  if (!reset || !/^\d+$/.test(reset)) return undefined;
  return Math.max(0, Number(reset) * 1000 - now);
}

/** Builds the request afresh for every attempt, so that bodies are never consumed twice. */
export type RequestFactory = () => { url: string; init: RequestInit };

export interface RetryingFetchOptions {
  fetch: typeof fetch;
  policy: RetryPolicy;
  /** Names the API in errors, e.g. "hetzner POST /servers". Never contains secrets. */
  label: string;
  signal?: AbortSignal;
  /**
   * What an answer means; by default 429 is throttling, 5xx is transient, the rest final.
   * EC2 overrides it: it throttles with 503 and reports capacity shortages as 500.
   */
  classify?: (status: number, body: string) => AnswerKind;
}

export type AnswerKind = "throttle" | "transient" | "final";

export function defaultClassify(status: number): AnswerKind {
  if (status === 429) return "throttle";
  return status >= 500 ? "transient" : "final";
}

export interface FetchedResponse {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * Returns the first final answer (not throttled, not transient), or the last one when the
 * retries run out. Throws `timeout` when every attempt timed out.
 */
export async function retryingFetch(
  make: RequestFactory,
  options: RetryingFetchOptions,
): Promise<FetchedResponse> {
  const { policy } = options;
  let last: FetchedResponse | undefined;
  for (let attempt = 0; attempt <= policy.maxRetries; attempt++) {
    options.signal?.throwIfAborted();
    const deadline = AbortSignal.timeout(policy.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    let response: FetchedResponse;
    try {
      const { url, init } = make();
      const raw = await options.fetch(url, { ...init, signal });
      response = { status: raw.status, headers: raw.headers, body: await raw.text() };
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (!deadline.aborted && !isNetworkError(error)) throw error;
      last = undefined;
      if (attempt < policy.maxRetries) await policy.sleep(backoff(policy, attempt), options.signal);
      continue;
    }
    last = response;
    const kind = (options.classify ?? defaultClassify)(response.status, response.body);
    if (kind === "final") return response;
    const throttled = kind === "throttle";
    if (attempt === policy.maxRetries) break;
    const wait = throttled ? throttleWaitMs(response.headers) : undefined;
    if (wait !== undefined && wait > policy.maxRetryAfterMs) break;
    await policy.sleep(wait ?? backoff(policy, attempt), options.signal);
  }
  if (last) return last;
  throw new CrabboxError(
    "timeout",
    `${options.label}: no answer within ${policy.timeoutMs} ms after ${policy.maxRetries + 1} attempts`,
  );
}

function backoff(policy: RetryPolicy, attempt: number): number {
  return policy.backoffMs * 2 ** attempt;
}

/** fetch rejects with TypeError when the connection fails; that is as retryable as a 503. */
function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError;
}
