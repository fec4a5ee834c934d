/**
 * Group commit for the hot path. Every write a Durable Object makes is committed (and made
 * durable) at the end of the turn that made it, and the response waits for that commit. When
 * many clients heartbeat at once, running each write in its own turn costs one commit each;
 * running the writes that come together in ONE turn costs one commit for all of them.
 * Each caller still gets its own outcome (or error), and still only after the commit: nothing
 * is acknowledged before it is durable.
 *
 * How many to wait for: the writers (leases) that wrote within the last `recentMs` are
 * expected back together. A writer with no recent company runs at once, in its own turn.
 * Otherwise the queue runs as soon as every expected writer is in it, or when the commit in
 * flight is durable, or after `windowMs` at most, so a writer that went away costs the others
 * one short wait per batch until it is no longer recent.
 */
export interface GroupCommitOptions {
  windowMs?: number;
  recentMs?: number;
  now?: () => number;
}

export class GroupCommit {
  private queue: (() => void)[] = [];
  private commitInFlight = false;
  private expected = 1;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly lastWrite = new Map<string, number>();
  private readonly windowMs: number;
  private readonly recentMs: number;
  private readonly now: () => number;

  /** `durable` resolves once the writes made so far are durable (`ctx.storage.sync()`). */
  constructor(
    private readonly durable: () => Promise<void>,
    options: GroupCommitOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 2;
    this.recentMs = options.recentMs ?? 25;
    this.now = options.now ?? Date.now;
  }

  /** Runs `work` (synchronous writes) for `writer`, alone or in a batch; settles after its commit. */
  run<T>(writer: string, work: () => T): Promise<T> {
    if (this.queue.length === 0) this.expected = this.recentWriters(writer);
    this.lastWrite.set(writer, this.now());
    if (!this.commitInFlight && this.queue.length === 0 && this.expected <= 1) {
      try {
        return Promise.resolve(work());
      } catch (error) {
        return Promise.reject(error);
      } finally {
        this.awaitCommit();
      }
    }
    const outcome = new Promise<T>((resolve, reject) => {
      this.queue.push(() => {
        try {
          resolve(work());
        } catch (error) {
          reject(error);
        }
      });
    });
    if (!this.commitInFlight) this.flushWhenGathered();
    return outcome;
  }

  /** Writers (this one included) that wrote recently; forgets the others. */
  private recentWriters(writer: string): number {
    const since = this.now() - this.recentMs;
    let count = 1;
    for (const [key, at] of this.lastWrite) {
      if (at < since) this.lastWrite.delete(key);
      else if (key !== writer) count++;
    }
    return count;
  }

  private flushWhenGathered(): void {
    if (this.queue.length >= this.expected) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    for (const work of batch) work();
    this.awaitCommit();
  }

  /** Writers arriving until this turn's commit is durable queue up behind it. */
  private awaitCommit(): void {
    this.commitInFlight = true;
    this.durable()
      .catch(() => {})
      .finally(() => {
        this.commitInFlight = false;
        if (this.queue.length > 0) this.flushWhenGathered();
      });
  }
}
