/**
 * Waits for `work` to settle, but no longer than `ms`; never throws. The timer is cleared
 * either way: a `Promise.race` against a bare `setTimeout` leaves the timer pending after the
 * work is done, and a pending timer keeps the CLI process alive until it fires.
 */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([
      work.then(
        () => {},
        () => {},
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
