/** The lease telemetry ring: the latest 60 heartbeat samples per lease, by capture time. */
import { eventTypesOn } from "../events/catalogue";
import { type TelemetrySample, telemetrySampleSchema } from "../events/payloads/shared";
import type { RecordedEvent } from "../events/types";
import { leaseIdOfStream } from "./leases";
import type { Projection, Replayer, TableName } from "./projection";

export const leaseTelemetryRingSize = 60;
/**
 * The ring is pruned back to its 60 newest samples on every 16th event of the lease's stream,
 * not on every heartbeat: a prune is a DELETE that dirties another page of the table, and this
 * is the heartbeat's hot path. Between prunes the table holds up to 75 samples of a lease;
 * readers take the 60 newest. The rule depends only on the event's stream version, so a
 * replay prunes at exactly the same events and rebuilds the same rows.
 */
export const leaseTelemetryPruneEvery = 16;

function prunesAt(version: number): boolean {
  return version % leaseTelemetryPruneEvery === 0;
}

export const leaseTelemetryProjection: Projection = {
  name: "lease_telemetry",
  tables: [{ name: "lease_telemetry", key: ["lease_id", "captured_at"] }],
  handles: eventTypesOn("lease", { only: ["Heartbeat"] }),
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
    if (!prunesAt(event.version)) return;
    sql.exec(
      `DELETE FROM ${t} WHERE lease_id = ? AND captured_at < (
         SELECT captured_at FROM ${t} WHERE lease_id = ? ORDER BY captured_at DESC LIMIT 1 OFFSET ?)`,
      leaseID,
      leaseID,
      leaseTelemetryRingSize - 1,
    );
  },
  createReplayer(sql: SqlStorage, table: TableName): Replayer {
    // Per lease: capture time → latest sample, inserted and pruned at the same events as live
    // (same capture time: the later sample wins), so the rows after replay are the live ones.
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
        if (!prunesAt(event.version)) return;
        const keep = new Set(newest(ring));
        for (const key of [...ring.keys()]) if (!keep.has(key)) ring.delete(key);
      },
      flush() {
        const t = table("lease_telemetry");
        for (const [leaseID, ring] of rings) {
          for (const capturedAt of ring.keys()) {
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

/** The ring: the 60 newest samples, oldest first. */
export function leaseTelemetryHistory(sql: SqlStorage, leaseID: string): TelemetrySample[] {
  return sql
    .exec<{ sample: string }>(
      "SELECT sample FROM lease_telemetry WHERE lease_id = ? ORDER BY captured_at DESC LIMIT ?",
      leaseID,
      leaseTelemetryRingSize,
    )
    .toArray()
    .reverse()
    .map((row) => telemetrySampleSchema.parse(JSON.parse(row.sample)));
}
