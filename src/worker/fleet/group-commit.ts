/**
 * Group commit for the hot path. Every write a Durable Object makes is committed (and made
 * durable) at the end of the turn that made it, and the response waits for that commit. When
 * many clients heartbeat at once, running each write in its own turn costs one commit each;
 * queueing them and running the queue in ONE later turn costs one commit for all of them.
 * Each caller still gets its own outcome (or error), and still only after the commit: nothing
 * is acknowledged before it is durable.
 *
 * A lone writer is not delayed; once writes come in company (the last batch held more than
 * one), the first of the next batch waits a couple of milliseconds for the others.
 */
export class GroupCommit {
  private queue: (() => void)[] = [];
  private scheduled = false;
  private lastBatchSize = 0;

  constructor(private readonly windowMs = 2) {}

  run<T>(work: () => T): Promise<T> {
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
  }
}
