/**
 * ARM answers `409 AnotherOperationInProgress` to a write on a resource (or its parent, e.g.
 * a subnet of a VNet) while another operation on it is still running; two first leases at
 * once hit it on the shared VNet and NSG. It is not a failure of the request: wait
 * (`Retry-After` when ARM gives one, else a growing back-off) and try the whole step again,
 * which re-reads what the other operation made. See docs/providers-azure.md, "Shared
 * network".
 */
import { sleep } from "../../time/sleep";
import { retryAfterMs } from "../retrying-fetch";
import { readArmFailure } from "./arm-errors";

const busyCodes = new Set(["AnotherOperationInProgress", "RetryableError", "Conflict"]);

export function isBusy(error: unknown): boolean {
  const f = readArmFailure(error);
  return f.status === 409 && busyCodes.has(f.code ?? "") && !f.timedOut;
}

function retryAfterOf(error: unknown): number | undefined {
  const headers = (error as { response?: { headers?: { get?: (n: string) => string | undefined } } })
    ?.response?.headers;
  return retryAfterMs(headers?.get?.("retry-after") ?? null);
}

export interface BusyRetry {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export async function retryWhileBusy<T>(
  step: () => Promise<T>,
  policy: BusyRetry,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!isBusy(error) || attempt >= policy.attempts || signal?.aborted) throw error;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.min(policy.maxDelayMs, retryAfterOf(error) ?? backoff), signal);
    }
  }
}
