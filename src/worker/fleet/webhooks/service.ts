/**
 * The admin side of webhooks: register, list, read (with the recorded deliveries) and delete
 * endpoints. The signing secret is returned once, by create (and by a retry of that create
 * under the same `Idempotency-Key`); no other answer carries it (docs/api.md, "Webhooks").
 */
import type {
  WebhookCreated,
  WebhookCreateRequest,
  WebhookDeleted,
  WebhookDetail,
  WebhookList,
} from "../../../api/webhooks";
import { CrabboxError } from "../../../errors";
import { fingerprint } from "../../../events/fingerprint";
import { requireAdmin } from "../admin/gate";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { assertDeliverable } from "./address";
import { webhookSettings } from "./settings";
import { newWebhookSecret } from "./signature";
import { type DeliveryRow, endpointRow, endpointRows, toWebhookDelivery, toWebhookRecord } from "./tables";

/** Deliveries a read of one endpoint lists, newest first. */
const deliveryPage = 100;

export class WebhookService {
  constructor(
    private readonly deps: FleetDeps,
    /** Re-arms the alarm so that a new endpoint starts polling the log. */
    private readonly reschedule: () => Promise<void>,
  ) {}

  private get sql(): SqlStorage {
    return this.deps.sql;
  }

  async create(caller: Caller, body: WebhookCreateRequest): Promise<WebhookCreated> {
    requireAdmin(caller.identity);
    assertDeliverable(body.url, webhookSettings(this.deps.env).allowPrivate);
    const sql = this.sql;
    const key = caller.idempotencyKey;
    const print = key ? await fingerprint({ route: "webhook-create", body }) : null;
    const dedupeKey = key ? `idem:${caller.identity.owner}:${caller.identity.org}:${key}` : null;
    // No await from here to the insert: the idempotency check and the insert are one step.
    if (dedupeKey) {
      const earlier = sql
        .exec<{ id: string; fingerprint: string | null }>(
          "SELECT id, fingerprint FROM webhook_endpoints WHERE dedupe_key = ?",
          dedupeKey,
        )
        .toArray()[0];
      if (earlier) {
        if (earlier.fingerprint !== print) {
          throw new CrabboxError(
            "idempotency_key_reused",
            "Idempotency-Key was used with a different request",
          );
        }
        const row = endpointRow(sql, earlier.id);
        if (row) return { webhook: toWebhookRecord(sql, row), secret: row.secret };
      }
    }
    const id = `wh_${[...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
    const secret = newWebhookSecret();
    sql.exec(
      `INSERT INTO webhook_endpoints
         (id, url, event_types, description, secret, created_at, created_by, cursor, dedupe_key, fingerprint)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id,
      body.url,
      JSON.stringify([...new Set(body.eventTypes)]),
      body.description ?? null,
      secret,
      this.deps.now(),
      caller.identity.owner,
      // Only events from now on: an endpoint does not receive the history before it existed.
      this.deps.store.head(),
      dedupeKey,
      print,
    );
    const row = endpointRow(sql, id);
    if (!row) throw new CrabboxError("internal", "webhook endpoint was not stored");
    await this.reschedule();
    return { webhook: toWebhookRecord(sql, row), secret };
  }

  list(caller: Caller): WebhookList {
    requireAdmin(caller.identity);
    const sql = this.sql;
    return { webhooks: endpointRows(sql).map((row) => toWebhookRecord(sql, row)) };
  }

  get(caller: Caller, id: string): WebhookDetail {
    requireAdmin(caller.identity);
    const sql = this.sql;
    const row = this.found(id);
    const deliveries = sql
      .exec<DeliveryRow>(
        "SELECT * FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY event_seq DESC LIMIT ?",
        id,
        deliveryPage,
      )
      .toArray()
      .map(toWebhookDelivery);
    return { webhook: toWebhookRecord(sql, row), deliveries };
  }

  async delete(caller: Caller, id: string): Promise<WebhookDeleted> {
    requireAdmin(caller.identity);
    const sql = this.sql;
    const webhook = toWebhookRecord(sql, this.found(id));
    sql.exec("DELETE FROM webhook_deliveries WHERE endpoint_id = ?", id);
    sql.exec("DELETE FROM webhook_endpoints WHERE id = ?", id);
    await this.reschedule();
    return { webhook, deleted: true };
  }

  private found(id: string) {
    const row = endpointRow(this.sql, id);
    if (!row) throw new CrabboxError("not_found", `webhook ${id} not found`);
    return row;
  }
}
