import {
  EventsPage,
  GithubLoginPollResponse,
  GithubLoginStartResponse,
  HealthResponse,
  type HeartbeatRequest,
  LeaseEnvelope,
  LeaseListEnvelope,
  type LeaseRecord,
  type LeaseRequestInput,
  PoolResponse,
  ReplayReport,
  type RunCreateRequest,
  RunEnvelope,
  type RunEventInput,
  RunEventListEnvelope,
  type RunFinishRequest,
  RunListEnvelope,
  type RunRecord,
  type TelemetryInput,
  UsageResponse,
  WhoamiResponse,
} from "../../api";
import { ExportPage } from "../../api/export";
import type { ResolvedConfig } from "../config";
import { Transport, type TransportOptions } from "./transport";

type Env = Record<string, string | undefined>;
type Query = Record<string, string | number | boolean | undefined>;

const enc = encodeURIComponent;

/** The coordinator's HTTP API, validated with the same zod schemas the Worker uses. */
export class CoordinatorClient {
  constructor(
    readonly transport: Transport,
    /** Per attempt of a lease create; a provider can take a while before the 201/202. */
    private readonly createTimeoutMs = 60_000,
  ) {}

  static fromConfig(
    config: ResolvedConfig,
    env: Env,
    extra: Partial<TransportOptions> = {},
  ): CoordinatorClient {
    return new CoordinatorClient(
      new Transport({
        baseUrl: config.broker.url,
        token: config.broker.token,
        owner: env.CRABBOX_OWNER,
        org: env.CRABBOX_ORG,
        ...extra,
      }),
    );
  }

  get url(): string {
    return this.transport.baseUrl;
  }

  /** The same client, authenticating with the admin token. */
  asAdmin(adminToken: string): CoordinatorClient {
    const parent = this.transport;
    const admin = Object.create(parent) as Transport;
    admin.request = (method, path, options = {}) =>
      parent.request(method, path, { token: adminToken, ...options });
    return new CoordinatorClient(admin);
  }

  health(signal?: AbortSignal) {
    return this.transport.request("GET", "/v1/health", { schema: HealthResponse, signal, timeoutMs: 5000 });
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

  async listLeases(query: Query = {}): Promise<LeaseRecord[]> {
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
  async releaseLease(id: string, body: { delete?: boolean } = {}): Promise<LeaseRecord> {
    const { lease } = await this.transport.request("POST", `/v1/leases/${enc(id)}/release`, {
      body,
      schema: LeaseEnvelope,
      idempotent: true,
      timeoutMs: 60_000,
    });
    return lease;
  }

  leaseEvents(id: string, query: Query = {}) {
    return this.transport.request("GET", `/v1/leases/${enc(id)}/events`, { schema: EventsPage, query });
  }

  async createRun(body: RunCreateRequest, idempotencyKey: string): Promise<RunRecord> {
    const { run } = await this.transport.request("POST", "/v1/runs", {
      body,
      schema: RunEnvelope,
      idempotencyKey,
    });
    return run;
  }

  async appendRunEvent(runID: string, body: RunEventInput, idempotencyKey: string, timeoutMs = 10_000) {
    await this.transport.request("POST", `/v1/runs/${enc(runID)}/events`, {
      body,
      idempotencyKey,
      timeoutMs,
    });
  }

  async appendRunTelemetry(runID: string, telemetry: TelemetryInput, idempotencyKey: string) {
    await this.transport.request("POST", `/v1/runs/${enc(runID)}/telemetry`, {
      body: { telemetry },
      idempotencyKey,
      timeoutMs: 10_000,
    });
  }

  async finishRun(runID: string, body: RunFinishRequest, idempotencyKey: string): Promise<RunRecord> {
    const { run } = await this.transport.request("POST", `/v1/runs/${enc(runID)}/finish`, {
      body,
      schema: RunEnvelope,
      idempotencyKey,
      timeoutMs: 30_000,
    });
    return run;
  }

  async getRun(runID: string): Promise<RunRecord> {
    const { run } = await this.transport.request("GET", `/v1/runs/${enc(runID)}`, { schema: RunEnvelope });
    return run;
  }

  async listRuns(query: Query = {}): Promise<RunRecord[]> {
    const { runs } = await this.transport.request("GET", "/v1/runs", { schema: RunListEnvelope, query });
    return runs;
  }

  runLogs(runID: string): Promise<string> {
    return this.transport.request("GET", `/v1/runs/${enc(runID)}/logs`, { text: true }) as Promise<string>;
  }

  async runEvents(runID: string, after: number, limit: number, signal?: AbortSignal) {
    const { events } = await this.transport.request("GET", `/v1/runs/${enc(runID)}/events`, {
      schema: RunEventListEnvelope,
      query: { after, limit },
      signal,
    });
    return events;
  }

  usage(query: Query = {}) {
    return this.transport.request("GET", "/v1/usage", { schema: UsageResponse, query });
  }

  pool(provider?: string) {
    return this.transport.request("GET", "/v1/pool", { schema: PoolResponse, query: { provider } });
  }

  async adminLeases(query: Query = {}): Promise<LeaseRecord[]> {
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

  adminEvents(query: Query = {}) {
    return this.transport.request("GET", "/v1/admin/events", { schema: EventsPage, query });
  }

  adminExport(query: Query = {}) {
    return this.transport.request("GET", "/v1/admin/export", { schema: ExportPage, query });
  }

  adminReplay() {
    return this.transport.request("POST", "/v1/admin/replay", {
      body: {},
      schema: ReplayReport,
      timeoutMs: 120_000,
    });
  }
}
