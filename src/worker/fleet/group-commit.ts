/**
 * Group commit for the hot path. Every write a Durable Object makes is committed (and made
 * durable) at the end of the turn that made it, and the response waits for that commit. When
 * many clients heartbeat at once, running each write in its own turn costs one commit each;
 * queueing them and running the queue in ONE later turn costs one commit for all of them.
 * Each caller still gets its own outcome (or error), and still only after the commit: nothing
 * is acknowledged before it is durable.
 *
 * A writer that comes alone (no commit of ours still in flight, nothing queued) runs at once:
 * a timer turn costs it about a millisecond and there is nobody to share a commit with. Once
 * writes come in company, the first of the next batch waits a couple of milliseconds for the
 * others.
 */
export class GroupCommit {
  private queue: (() => void)[] = [];
  private scheduled = false;
  private lastBatchSize = 0;
  private commitsInFlight = 0;

  /** `durable` resolves once the writes made so far are durable (`ctx.storage.sync()`). */
  constructor(
    private readonly durable: () => Promise<void>,
    private readonly windowMs = 2,
  ) {}

  run<T>(work: () => T): Promise<T> {
    if (!this.scheduled && this.commitsInFlight === 0) {
      try {
        return Promise.resolve(work());
      } catch (error) {
        return Promise.reject(error);
      } finally {
        this.trackCommit();
      }
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push(() => {
        try {
          resolve(work());
        } catch (error) {
          reject(error);
        }
      });
      if (!this.scheduled) {
        this.scheduled = true;
        // A macrotask either way: requests already delivered get to queue their writes first.
        setTimeout(() => this.flush(), this.lastBatchSize > 1 ? this.windowMs : 0);
      }
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    this.lastBatchSize = batch.length;
    for (const work of batch) work();
    this.trackCommit();
  }

  /** Counts the commit of the current turn until it is durable: writers meanwhile are in company. */
  private trackCommit(): void {
    this.commitsInFlight++;
    this.durable()
      .catch(() => {})
      .finally(() => {
        this.commitsInFlight--;
      });
  }
}
