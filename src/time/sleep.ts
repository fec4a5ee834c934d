/**
 * The one timer-backed wait in the code base, used by the Worker (provider polls and retries)
 * and by the CLI (lease polls, SSH retries). It runs on both runtimes: only `setTimeout`,
 * `clearTimeout` and `AbortSignal`, which workerd and Node both provide.
 *
 * `sleep` rejects with the signal's reason when the signal aborts first, as
 * `node:timers/promises` does, so a cancelled poll stops the work around it. `sleepOrWake`
 * resolves early instead, for loops that check the signal themselves after each wait.
 * Either way the timer and the listener are removed, so a finished wait keeps nothing alive.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(ms, signal, true);
}

/** Waits `ms`, or less if `signal` aborts first; never rejects. */
export function sleepOrWake(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(ms, signal, false);
}

function wait(ms: number, signal: AbortSignal | undefined, rejectOnAbort: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      if (rejectOnAbort) reject(signal.reason);
      else resolve();
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      if (rejectOnAbort) reject(signal?.reason);
      else resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
