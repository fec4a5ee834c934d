/**
 * Every ARM call runs under a deadline, joined with the caller's signal, so that a hung
 * connection or a long-running operation that never finishes cannot hold a lease forever.
 */
export function deadlineSignal(ms: number, outer?: AbortSignal): AbortSignal {
  return outer ? AbortSignal.any([AbortSignal.timeout(ms), outer]) : AbortSignal.timeout(ms);
}
