/**
 * The coordinator's HTTP API as one typed client, the CLI's and the package's
 * (`import { createClient } from "crabbox"`, docs/api.md "Typed client"): one method per
 * operation of `src/api/openapi/operations.ts`, validated with the same zod schemas the Worker
 * uses. This file holds the admin, webhook and local-stack calls; the rest are inherited.
 */
import type { z } from "zod";
import {
  type AdminEventsQuery,
  type AdminLeaseListQuery,
  EventsPage,
  LeaseEnvelope,
  LeaseListEnvelope,
  type LeaseRecord,
  OrphansResponse,
  type PoolQuery,
  PoolResponse,
  ReplayReport,
} from "../api";
import { ExportPage, type ExportQuery } from "../api/export";
import { LocalPortalLink } from "../api/meta";
import type {
  WebhookCreated,
  WebhookCreateRequest,
  WebhookDeleted,
  WebhookDetail,
  WebhookList,
} from "../api/webhooks";
import { enc, type Query } from "./calls-leases";
import { RunCalls } from "./calls-runs";
import type { Transport } from "./transport";

/**
 * The webhook shapes name every event type of the catalogue, which the CLI's commands would
 * otherwise load at every start-up (docs/cli.md, "Start-up"): loaded by the first webhook call.
 */
const webhookSchemas = () => import("../api/webhooks");

export class CoordinatorClient extends RunCalls {
  /** The same client, authenticating with the admin token. */
  asAdmin(adminToken: string): CoordinatorClient {
    const parent = this.transport;
    const admin = Object.create(parent) as Transport;
    admin.request = (method, path, options = {}) =>
      parent.request(method, path, { token: adminToken, ...options });
    return new CoordinatorClient(admin, this.createTimeoutMs);
  }

  /** Admin: every provider's crabbox-labelled machines and the ready pools. */
  pool(provider?: PoolQuery["provider"]) {
    return this.transport.request("GET", "/v1/pool", { schema: PoolResponse, query: { provider } });
  }

  async adminLeases(query: Query<AdminLeaseListQuery> = {}): Promise<LeaseRecord[]> {
    const { leases } = await this.transport.request("GET", "/v1/admin/leases", {
      schema: LeaseListEnvelope,
      query,
    });
    return leases;
  }

  async adminRelease(id: string, deleteMachine: boolean): Promise<LeaseRecord> {
    const { lease } = await this.transport.request("POST", `/v1/admin/leases/${enc(id)}/release`, {
      body: { delete: deleteMachine },
      schema: LeaseEnvelope,
      idempotent: true,
    });
    return lease;
  }

  async adminDelete(id: string): Promise<LeaseRecord> {
    const { lease } = await this.transport.request("POST", `/v1/admin/leases/${enc(id)}/delete`, {
      body: {},
      schema: LeaseEnvelope,
      idempotent: true,
    });
    return lease;
  }

  adminEvents(query: Query<AdminEventsQuery> = {}) {
    return this.transport.request("GET", "/v1/admin/events", { schema: EventsPage, query });
  }

  adminExport(query: Query<ExportQuery> = {}) {
    return this.transport.request("GET", "/v1/admin/export", { schema: ExportPage, query });
  }

  adminReplay() {
    return this.transport.request("POST", "/v1/admin/replay", {
      body: {},
      schema: ReplayReport,
      timeoutMs: 120_000,
    });
  }

  /** Admin: labelled machines no live lease owns, and what the sweep did about each. */
  orphans() {
    return this.transport.request("GET", "/v1/admin/orphans", { schema: OrphansResponse });
  }

  /** Admin: the Prometheus text exposition (docs/api.md, "Metrics"). */
  metrics(): Promise<string> {
    return this.transport.request("GET", "/v1/admin/metrics", { text: true }) as Promise<string>;
  }

  /**
   * Admin: registers a webhook endpoint. The answer holds the signing secret, shown only
   * here. It goes out under an Idempotency-Key (a fresh one unless given), so a retry after a
   * lost answer gets the same endpoint and secret back instead of registering a second one.
   */
  async createWebhook(
    body: z.input<typeof WebhookCreateRequest>,
    idempotencyKey: string = crypto.randomUUID(),
  ): Promise<WebhookCreated> {
    const schemas = await webhookSchemas();
    return this.transport.request("POST", "/v1/admin/webhooks", {
      body,
      schema: schemas.WebhookCreated,
      idempotencyKey,
    });
  }

  async listWebhooks(): Promise<WebhookList> {
    const schemas = await webhookSchemas();
    return this.transport.request("GET", "/v1/admin/webhooks", { schema: schemas.WebhookList });
  }

  /** An endpoint and its deliveries (attempts, last status). */
  async getWebhook(id: string): Promise<WebhookDetail> {
    const schemas = await webhookSchemas();
    return this.transport.request("GET", `/v1/admin/webhooks/${enc(id)}`, { schema: schemas.WebhookDetail });
  }

  /** Deleting twice is deleting once (the second answers 404), so a transport failure is retried. */
  async deleteWebhook(id: string): Promise<WebhookDeleted> {
    const schemas = await webhookSchemas();
    return this.transport.request("DELETE", `/v1/admin/webhooks/${enc(id)}`, {
      schema: schemas.WebhookDeleted,
      idempotent: true,
    });
  }

  /** Admin, local stack only: a one-time portal sign-in link (docs/portal.md, "Local sign-in"). */
  localPortalLink(signal?: AbortSignal) {
    return this.transport.request("POST", "/v1/local/portal-link", { schema: LocalPortalLink, signal });
  }
}
