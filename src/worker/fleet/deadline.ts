import { CrabboxError } from "../../errors";

/**
 * Every call that leaves the coordinator (providers, price lookups) runs under a deadline, so
 * that a hung cloud API can never pin a lease in an in-between state forever.
 */
export async function withDeadline<T>(
  what: string,
  ms: number,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new CrabboxError("timeout", `${what} did not answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([call(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a positive millisecond setting from the environment, else the default. */
export function msSetting(env: Record<string, unknown>, name: string, fallback: number): number {
  const n = Number(env[name]);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
