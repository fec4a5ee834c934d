/**
 * Runs two independent steps at once and returns both results once both settled; the first
 * failure (in argument order) is rethrown. Unlike Promise.all, nothing is left running when one
 * fails, so the caller's cleanup (closing the SSH session, releasing) never races a step.
 */
export async function bothSettled<A, B>(first: Promise<A>, second: Promise<B>): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled([first, second]);
  if (a.status === "rejected") throw a.reason;
  if (b.status === "rejected") throw b.reason;
  return [a.value, b.value];
}
