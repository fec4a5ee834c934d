/**
 * Webhook endpoints and deliveries, kept in the Fleet's SQLite beside the log, never in it:
 * an endpoint row holds its signing secret, and the log must never hold a secret. The events
 * themselves are read from the log; a delivery row records one event's way to one endpoint.
 * The tables come from migrations/0006_webhooks.sql.
 */
import type { WebhookDelivery, WebhookRecord } from "../../../api/webhooks";

export interface EndpointRow extends Record<string, SqlStorageValue> {
  id: string;
  url: string;
  event_types: string;
  description: string | null;
  secret: string;
  created_at: number;
  created_by: string;
  cursor: number;
  dedupe_key: string | null;
  fingerprint: string | null;
}

export interface DeliveryRow extends Record<string, SqlStorageValue> {
  endpoint_id: string;
  event_seq: number;
  id: string;
  event_type: string;
  stream: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  next_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: number | null;
  delivered_at: number | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The endpoint as the API shows it: never with its secret. */
export function toWebhookRecord(sql: SqlStorage, row: EndpointRow): WebhookRecord {
  const counts = { pending: 0, delivered: 0, failed: 0 };
  for (const c of sql
    .exec<{ state: keyof typeof counts; n: number }>(
      "SELECT state, COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? GROUP BY state",
      row.id,
    )
    .toArray()) {
    counts[c.state] = c.n;
  }
  return {
    id: row.id,
    url: row.url,
    eventTypes: JSON.parse(row.event_types),
    ...(row.description !== null ? { description: row.description } : {}),
    createdAt: iso(row.created_at),
    createdBy: row.created_by,
    cursor: row.cursor,
    deliveries: counts,
  };
}

export function toWebhookDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    eventSeq: row.event_seq,
    eventType: row.event_type as WebhookDelivery["eventType"],
    stream: row.stream,
    state: row.state,
    attempts: row.attempts,
    ...(row.last_status !== null ? { lastStatus: row.last_status } : {}),
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    ...(row.last_attempt_at !== null ? { lastAttemptAt: iso(row.last_attempt_at) } : {}),
    ...(row.state === "pending" && row.next_attempt_at !== null
      ? { nextAttemptAt: iso(row.next_attempt_at) }
      : {}),
    ...(row.delivered_at !== null ? { deliveredAt: iso(row.delivered_at) } : {}),
  };
}

export function endpointRows(sql: SqlStorage): EndpointRow[] {
  return sql.exec<EndpointRow>("SELECT * FROM webhook_endpoints ORDER BY created_at, id").toArray();
}

export function endpointRow(sql: SqlStorage, id: string): EndpointRow | undefined {
  return sql.exec<EndpointRow>("SELECT * FROM webhook_endpoints WHERE id = ?", id).toArray()[0];
}
