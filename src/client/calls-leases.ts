/**
 * The client's calls about the coordinator itself, sign-in and leases (docs/api.md, "Typed
 * client"): one method per operation, answers validated with the route's own zod schema.
 */

import type { z } from "zod";
import {
  EventsPage,
  GithubLoginPollResponse,
  GithubLoginStartResponse,
  HealthResponse,
  type HeartbeatRequest,
  LeaseEnvelope,
  LeaseListEnvelope,
  type LeaseListQuery,
  type LeaseRecord,
  type LeaseRequestInput,
  type ReleaseRequest,
  type ShareDeleteRequest,
  type SharePutRequest,
  ShareResponse,
  type StreamEventsQuery,
  WhoamiResponse,
} from "../api";
import { FleetHealth, OpenApiDocument } from "../api/meta";
import type { Transport } from "./transport";

/** A query as the client takes it: the route's query schema, loosely (numbers or strings). */
export type Query<T = Record<string, unknown>> = {
  [K in keyof T]?: string | number | boolean | undefined;
};

export const enc = encodeURIComponent;

export class LeaseCalls {
  constructor(
    readonly transport: Transport,
    /** Per attempt of a lease create; a provider can take a while before the 201/202. */
    protected readonly createTimeoutMs = 60_000,
  ) {}

  get url(): string {
    return this.transport.baseUrl;
  }

  /** `GET /v1/health`, no token. */
  health(signal?: AbortSignal) {
    return this.transport.request("GET", "/v1/health", { schema: HealthResponse, signal, timeoutMs: 5000 });
  }

  /** `GET /v1/openapi.json`: this API's OpenAPI 3.1 document, no token. */
  openApi() {
    return this.transport.request("GET", "/v1/openapi.json", { schema: OpenApiDocument });
  }

  /** `GET /v1/fleet/health`: a round trip into the Fleet. */
  fleetHealth() {
    return this.transport.request("GET", "/v1/fleet/health", { schema: FleetHealth });
  }

  whoami(signal?: AbortSignal) {
    return this.transport.request("GET", "/v1/whoami", { schema: WhoamiResponse, signal });
  }

  githubStart(pollSecretHash: string, provider?: string) {
    return this.transport.request("POST", "/v1/auth/github/start", {
      body: { pollSecretHash, ...(provider ? { provider } : {}) },
      schema: GithubLoginStartResponse,
    });
  }

  /** 410 `expired` and 400 `failed` are answers of the poll, not transport failures. */
  githubPoll(loginID: string, pollSecret: string) {
    return this.transport.request("POST", "/v1/auth/github/poll", {
      body: { loginID, pollSecret },
      schema: GithubLoginPollResponse,
      acceptStatus: [400, 410],
    });
  }

  /**
   * Creates (or, for the same leaseID and request, re-joins) a lease. Safe to retry after a
   * timeout: the lease ID is the coordinator's dedupe key, so a retry never makes a second
   * machine. Answers 201 with an active lease or 202 with a provisioning one.
   */
  async createLease(body: LeaseRequestInput, signal?: AbortSignal): Promise<LeaseRecord> {
    const { lease } = await this.transport.request("POST", "/v1/leases", {
      body,
      schema: LeaseEnvelope,
      idempotent: true,
      timeoutMs: this.createTimeoutMs,
      attempts: 4,
      signal,
    });
    return lease;
  }

  async getLease(idOrSlug: string, signal?: AbortSignal): Promise<LeaseRecord> {
    const { lease } = await this.transport.request("GET", `/v1/leases/${enc(idOrSlug)}`, {
      schema: LeaseEnvelope,
      signal,
    });
    return lease;
  }

  async listLeases(query: Query<LeaseListQuery> = {}): Promise<LeaseRecord[]> {
    const { leases } = await this.transport.request("GET", "/v1/leases", {
      schema: LeaseListEnvelope,
      query,
    });
    return leases;
  }

  async heartbeat(id: string, body: HeartbeatRequest = {}, signal?: AbortSignal): Promise<LeaseRecord> {
    const { lease } = await this.transport.request("POST", `/v1/leases/${enc(id)}/heartbeat`, {
      body,
      schema: LeaseEnvelope,
      idempotent: true,
      timeoutMs: 20_000,
      signal,
    });
    return lease;
  }

  /** Release is idempotent on the coordinator, so it is retried like a GET. */
  async releaseLease(id: string, body: ReleaseRequest = {}): Promise<LeaseRecord> {
    const { lease } = await this.transport.request("POST", `/v1/leases/${enc(id)}/release`, {
      body,
      schema: LeaseEnvelope,
      idempotent: true,
      timeoutMs: 60_000,
    });
    return lease;
  }

  getShare(id: string) {
    return this.transport.request("GET", `/v1/leases/${enc(id)}/share`, { schema: ShareResponse });
  }

  /** Replaces the share; a PUT of the same body is harmless, so it is retried. */
  setShare(id: string, body: z.input<typeof SharePutRequest>) {
    return this.transport.request("PUT", `/v1/leases/${enc(id)}/share`, {
      body,
      schema: ShareResponse,
      idempotent: true,
    });
  }

  /** Removes a user or the org from the share; with neither, clears it. Retried: removing twice is removing once. */
  removeShare(id: string, body: z.input<typeof ShareDeleteRequest> = {}) {
    return this.transport.request("DELETE", `/v1/leases/${enc(id)}/share`, {
      body,
      schema: ShareResponse,
      idempotent: true,
    });
  }

  leaseEvents(id: string, query: Query<StreamEventsQuery> = {}) {
    return this.transport.request("GET", `/v1/leases/${enc(id)}/events`, { schema: EventsPage, query });
  }
}
