/**
 * Counters derived from the event log, folded incrementally: each scrape reads only the events
 * appended since the previous one (on the type index, `type = ? AND seq > ?`), so a scrape
 * every 15 s costs what happened in those 15 s, not the size of the log. The state lives in
 * the Durable Object's memory; after an eviction the first scrape folds the log from the start
 * and arrives at the same values, so the counters never go backwards.
 */
import type { HistogramData } from "./exposition";

/** Provisioning latency buckets in seconds: a local machine in a second, a cloud VM in minutes. */
export const provisioningBuckets = [1, 5, 10, 30, 60, 120, 300, 600, 900, 1800] as const;

export class LogCounters {
  private heartbeatCursor = 0;
  private heartbeats = 0;
  private provisionedCursor = 0;
  private readonly latencyCounts: number[] = new Array(provisioningBuckets.length + 1).fill(0);
  private latencySumSeconds = 0;

  constructor(private readonly sql: SqlStorage) {}

  /** Every lease `Heartbeat` event the log holds. */
  heartbeatsTotal(): number {
    const row = this.sql
      .exec<{ n: number; last: number | null }>(
        "SELECT COUNT(*) AS n, MAX(seq) AS last FROM events WHERE type = 'Heartbeat' AND seq > ?",
        this.heartbeatCursor,
      )
      .one();
    if (row.last !== null) {
      this.heartbeats += row.n;
      this.heartbeatCursor = row.last;
    }
    return this.heartbeats;
  }

  /**
   * Time from a lease's request to its `MachineProvisioned` event. Adoptions by the alarm are
   * not counted: their time measures the reconcile deadline, not the provider.
   */
  provisioningLatency(): HistogramData {
    const rows = this.sql
      .exec<{ seq: number; ms: number }>(
        `SELECT e.seq AS seq, e.at - l.created_at AS ms
           FROM events e JOIN leases l ON l.id = substr(e.stream, 7)
          WHERE e.type = 'MachineProvisioned' AND e.seq > ?
          ORDER BY e.seq`,
        this.provisionedCursor,
      )
      .toArray();
    for (const row of rows) {
      const seconds = Math.max(0, row.ms) / 1000;
      const bucket = provisioningBuckets.findIndex((bound) => seconds <= bound);
      const index = bucket === -1 ? provisioningBuckets.length : bucket;
      this.latencyCounts[index] = (this.latencyCounts[index] ?? 0) + 1;
      this.latencySumSeconds += seconds;
      this.provisionedCursor = row.seq;
    }
    return { bounds: provisioningBuckets, counts: [...this.latencyCounts], sum: this.latencySumSeconds };
  }
}
