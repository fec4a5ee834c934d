/**
 * Webhook delivery from the log, run by the Fleet's alarm (docs/api.md, "Webhooks"):
 *
 *   1. enqueue: each endpoint reads the log after its cursor and records a `pending` delivery
 *      for every event of a type it wants (the cursor moves in the same synchronous step, so an
 *      event is queued exactly once per endpoint);
 *   2. deliver: per endpoint and stream only the oldest pending delivery may be attempted, so a
 *      stream's events arrive in log order; different streams go out in parallel;
 *   3. an answer 2xx marks it `delivered`; anything else (status, redirect, timeout, no
 *      connection) is recorded with the attempt count and retried with doubling backoff, until
 *      `maxAttempts`, when it is `failed` and the stream moves on.
 *
 * At least once: a delivery is marked only after its answer, so an eviction mid-request sends
 * it again, with the same `webhook-id`.
 */

import { withDeadline } from "../deadline";
import type { FleetDeps } from "../deps";
import { toLogEvent } from "../events-page";
import { assertDeliverable } from "./address";
import { retryDelayMs, type WebhookSettings, webhookSettings } from "./settings";
import { webhookHeaders } from "./signature";
import { type DeliveryRow, type EndpointRow, endpointRow, endpointRows } from "./tables";

/** Log events read per endpoint per enqueue step. */
const pageSize = 500;
/** Deliveries attempted at once (at most one per endpoint and stream). */
const batch = 50;
/** A dispatch stops starting new rounds after this long; the alarm comes back at once. */
const dispatchBudgetMs = 30_000;

export type Send = (url: string, init: RequestInit) => Promise<Response>;

/** The oldest pending delivery of each endpoint and stream: the only ones that may go out. */
const streamHeads = `
  SELECT d.* FROM webhook_deliveries d
   WHERE d.state = 'pending'
     AND d.event_seq = (SELECT MIN(x.event_seq) FROM webhook_deliveries x
                         WHERE x.state = 'pending' AND x.endpoint_id = d.endpoint_id AND x.stream = d.stream)`;

export class WebhookDispatcher {
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: FleetDeps,
    private readonly send: Send = (url, init) => fetch(url, init),
  ) {}

  private get settings(): WebhookSettings {
    return webhookSettings(this.deps.env);
  }

  private get sql(): SqlStorage {
    return this.deps.sql;
  }

  /** When the alarm should next run for webhooks; undefined without endpoints. */
  nextDue(): number | undefined {
    const endpoints = this.sql
      .exec<{ n: number; cursor: number | null }>(
        "SELECT COUNT(*) AS n, MIN(cursor) AS cursor FROM webhook_endpoints",
      )
      .one();
    if (endpoints.n === 0) return undefined;
    const now = this.deps.now();
    if ((endpoints.cursor ?? 0) < this.deps.store.head()) return now;
    const retry = this.sql
      .exec<{ at: number | null }>(`SELECT MIN(next_attempt_at) AS at FROM (${streamHeads})`)
      .one().at;
    // New events arrive without telling anyone; while endpoints exist the alarm polls the log.
    const poll = now + this.settings.pollMs;
    return retry === null ? poll : Math.min(retry, poll);
  }

  /** One dispatch at a time: a second caller waits for the one in flight. */
  runIfDue(): Promise<void> {
    this.running ??= this.dispatch().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async dispatch(): Promise<void> {
    const started = Date.now();
    this.enqueue();
    while (Date.now() - started < dispatchBudgetMs) {
      const due = this.sql
        .exec<DeliveryRow>(
          `${streamHeads} AND d.next_attempt_at <= ? ORDER BY d.event_seq LIMIT ?`,
          this.deps.now(),
          batch,
        )
        .toArray();
      if (due.length === 0) break;
      await Promise.all(due.map((delivery) => this.attempt(delivery)));
      this.enqueue();
    }
  }

  /** Queues the events each endpoint has not considered yet. Synchronous: no event twice. */
  enqueue(): void {
    const sql = this.sql;
    const now = this.deps.now();
    for (const endpoint of endpointRows(sql)) {
      const wanted = new Set<string>(JSON.parse(endpoint.event_types));
      let cursor = endpoint.cursor;
      for (let page = 0; page < 10; page++) {
        const { events, nextAfter } = this.deps.store.readAll({ after: cursor, limit: pageSize });
        for (const event of events) {
          if (wanted.has(event.type)) {
            sql.exec(
              `INSERT OR IGNORE INTO webhook_deliveries
                 (endpoint_id, event_seq, id, event_type, stream, state, attempts, next_attempt_at)
               VALUES (?, ?, ?, ?, ?, 'pending', 0, ?)`,
              endpoint.id,
              event.seq,
              `msg_${event.id}`,
              event.type,
              event.stream,
              now,
            );
          }
          cursor = event.seq;
        }
        if (nextAfter === null) break;
      }
      if (cursor !== endpoint.cursor) {
        sql.exec("UPDATE webhook_endpoints SET cursor = ? WHERE id = ?", cursor, endpoint.id);
      }
    }
  }

  private async attempt(delivery: DeliveryRow): Promise<void> {
    const endpoint = endpointRow(this.sql, delivery.endpoint_id);
    if (!endpoint) return;
    const settings = this.settings;
    const [event] = this.deps.store.readAll({ after: delivery.event_seq - 1, limit: 1 }).events;
    if (!event || event.seq !== delivery.event_seq) {
      this.record(delivery, { delivered: false, error: "event no longer in the log", final: true });
      return;
    }
    try {
      assertDeliverable(endpoint.url, settings.allowPrivate);
    } catch {
      this.record(delivery, { delivered: false, error: "endpoint address refused", final: true });
      return;
    }
    const body = JSON.stringify({
      type: event.type,
      timestamp: new Date(event.at).toISOString(),
      data: { event: toLogEvent(event) },
    });
    const outcome = await this.post(endpoint, delivery.id, body, settings.timeoutMs);
    const failures = delivery.attempts + 1;
    this.record(delivery, {
      ...outcome,
      final: outcome.delivered || failures >= settings.maxAttempts,
      retryAt: this.deps.now() + retryDelayMs(settings, failures),
    });
  }

  private async post(
    endpoint: EndpointRow,
    id: string,
    body: string,
    timeoutMs: number,
  ): Promise<{ delivered: boolean; status?: number; error?: string }> {
    // The timestamp is the sender's wall clock: receivers compare it with theirs.
    const headers = await webhookHeaders(endpoint.secret, id, Math.floor(Date.now() / 1000), body);
    try {
      const response = await withDeadline("webhook delivery", timeoutMs, (signal) =>
        this.send(endpoint.url, { method: "POST", headers, body, signal, redirect: "manual" }),
      );
      await response.body?.cancel();
      const delivered = response.status >= 200 && response.status < 300;
      return delivered
        ? { delivered, status: response.status }
        : { delivered, status: response.status, error: `HTTP ${response.status}` };
    } catch (error) {
      const timedOut = (error as { code?: unknown }).code === "timeout";
      // Never the raw exception text: it may carry internals of the runtime's network stack.
      return { delivered: false, error: timedOut ? `no answer within ${timeoutMs} ms` : "connection failed" };
    }
  }

  private record(
    delivery: DeliveryRow,
    outcome: { delivered: boolean; status?: number; error?: string; final: boolean; retryAt?: number },
  ): void {
    const now = this.deps.now();
    const state = outcome.delivered ? "delivered" : outcome.final ? "failed" : "pending";
    this.sql.exec(
      `UPDATE webhook_deliveries
          SET state = ?, attempts = attempts + 1, last_status = ?, last_error = ?, last_attempt_at = ?,
              next_attempt_at = ?, delivered_at = ?
        WHERE endpoint_id = ? AND event_seq = ?`,
      state,
      outcome.status ?? null,
      outcome.error ?? null,
      now,
      state === "pending" ? (outcome.retryAt ?? now) : null,
      outcome.delivered ? now : null,
      delivery.endpoint_id,
      delivery.event_seq,
    );
  }
}
