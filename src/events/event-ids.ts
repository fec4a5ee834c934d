/**
 * Event ids: monotonic ULIDs. The library draws one `crypto.getRandomValues` call per random
 * character (16 per id); on the append path that is measurable, so its generator is fed from
 * a pool of cryptographic random words refilled 1,024 at a time.
 */
import { monotonicFactory } from "ulid";

export function eventIdFactory(): () => string {
  const pool = new Uint32Array(1024);
  let next = pool.length;
  const random = (): number => {
    if (next === pool.length) {
      crypto.getRandomValues(pool);
      next = 0;
    }
    return (pool[next++] ?? 0) / 2 ** 32;
  };
  const ulid = monotonicFactory(random);
  return () => ulid();
}
