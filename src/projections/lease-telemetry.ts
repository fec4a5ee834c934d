/** The lease telemetry ring: the latest 60 heartbeat samples per lease, by capture time. */
import { type TelemetrySample, telemetrySampleSchema } from "../events/catalogue";
import type { RecordedEvent } from "../events/types";
import { leaseIdOfStream } from "./leases";
import type { Projection, Replayer, TableName } from "./projection";

export const leaseTelemetryRingSize = 60;

export const leaseTelemetryProjection: Projection = {
  name: "lease_telemetry",
  tables: [{ name: "lease_telemetry", key: ["lease_id", "captured_at"] }],
  handles: new Set(["Heartbeat"]),
  apply(sql: SqlStorage, event: RecordedEvent, table: TableName): void {
    const sample = (event.data as { telemetry?: TelemetrySample }).telemetry;
    if (!sample) return;
    const t = table("lease_telemetry");
    const leaseID = leaseIdOfStream(event.stream);
    // Same capture time → the later sample wins, as in the reference's ring.
    sql.exec(
      `INSERT OR REPLACE INTO ${t} (lease_id, captured_at, sample) VALUES (?, ?, ?)`,
      leaseID,
      sample.capturedAt,
      JSON.stringify(sample),
    );
    sql.exec(
      `DELETE FROM ${t} WHERE lease_id = ? AND captured_at < (
         SELECT captured_at FROM ${t} WHERE lease_id = ? ORDER BY captured_at DESC LIMIT 1 OFFSET ?)`,
      leaseID,
      leaseID,
      leaseTelemetryRingSize - 1,
    );
  },
  createReplayer(sql: SqlStorage, table: TableName): Replayer {
    // Per lease: capture time → latest sample JSON. The ring after replay is the latest 60
    // capture times ever seen, each with its last-written sample, which is what the live
    // insert-then-prune leaves; trimming on the way keeps memory bounded.
    const rings = new Map<string, Map<number, TelemetrySample>>();
    const newest = (ring: Map<number, TelemetrySample>) =>
      [...ring.keys()].sort((a, b) => b - a).slice(0, leaseTelemetryRingSize);
    return {
      apply(event) {
        const sample = (event.data as { telemetry?: TelemetrySample }).telemetry;
        if (event.type !== "Heartbeat" || !sample) return;
        const leaseID = leaseIdOfStream(event.stream);
        const ring = rings.get(leaseID) ?? new Map<number, TelemetrySample>();
        rings.set(leaseID, ring);
        ring.set(sample.capturedAt, sample);
        if (ring.size > 2 * leaseTelemetryRingSize) {
          const keep = new Set(newest(ring));
          for (const key of [...ring.keys()]) if (!keep.has(key)) ring.delete(key);
        }
      },
      flush() {
        const t = table("lease_telemetry");
        for (const [leaseID, ring] of rings) {
          for (const capturedAt of newest(ring)) {
            sql.exec(
              `INSERT INTO ${t} (lease_id, captured_at, sample) VALUES (?, ?, ?)`,
              leaseID,
              capturedAt,
              JSON.stringify(ring.get(capturedAt)),
            );
          }
        }
      },
    };
  },
};

/** The ring, oldest first. */
export function leaseTelemetryHistory(sql: SqlStorage, leaseID: string): TelemetrySample[] {
  return sql
    .exec<{ sample: string }>(
      "SELECT sample FROM lease_telemetry WHERE lease_id = ? ORDER BY captured_at",
      leaseID,
    )
    .toArray()
    .map((row) => telemetrySampleSchema.parse(JSON.parse(row.sample)));
}
