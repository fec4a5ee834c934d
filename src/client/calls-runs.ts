/** The client's calls about runs and usage (docs/api.md, "Typed client"). */
import {
  type RunCreateRequest,
  RunEnvelope,
  RunEventEnvelope,
  type RunEventInput,
  RunEventListEnvelope,
  type RunEventRecord,
  type RunFinishRequest,
  RunListEnvelope,
  type RunListQuery,
  type RunRecord,
  type TelemetryInput,
  type UsageQuery,
  UsageResponse,
} from "../api";
import { enc, LeaseCalls, type Query } from "./calls-leases";

export class RunCalls extends LeaseCalls {
  /** Starts a run; the run ID is derived from the Idempotency-Key, so a retry opens no second run. */
  async createRun(body: RunCreateRequest, idempotencyKey: string): Promise<RunRecord> {
    const { run } = await this.transport.request("POST", "/v1/runs", {
      body,
      schema: RunEnvelope,
      idempotencyKey,
    });
    return run;
  }

  async appendRunEvent(
    runID: string,
    body: RunEventInput,
    idempotencyKey: string,
    timeoutMs = 10_000,
  ): Promise<RunEventRecord> {
    const { event } = await this.transport.request("POST", `/v1/runs/${enc(runID)}/events`, {
      body,
      schema: RunEventEnvelope,
      idempotencyKey,
      timeoutMs,
    });
    return event;
  }

  async appendRunTelemetry(
    runID: string,
    telemetry: TelemetryInput,
    idempotencyKey: string,
  ): Promise<RunRecord> {
    const { run } = await this.transport.request("POST", `/v1/runs/${enc(runID)}/telemetry`, {
      body: { telemetry },
      schema: RunEnvelope,
      idempotencyKey,
      timeoutMs: 10_000,
    });
    return run;
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

  async listRuns(query: Query<RunListQuery> = {}): Promise<RunRecord[]> {
    const { runs } = await this.transport.request("GET", "/v1/runs", { schema: RunListEnvelope, query });
    return runs;
  }

  /** The finished run's log tail, `text/plain` (empty before finish). */
  runLogs(runID: string): Promise<string> {
    return this.transport.request("GET", `/v1/runs/${enc(runID)}/logs`, { text: true }) as Promise<string>;
  }

  async runEvents(
    runID: string,
    after: number,
    limit: number,
    signal?: AbortSignal,
  ): Promise<RunEventRecord[]> {
    const { events } = await this.transport.request("GET", `/v1/runs/${enc(runID)}/events`, {
      schema: RunEventListEnvelope,
      query: { after, limit },
      signal,
    });
    return events;
  }

  usage(query: Query<UsageQuery> = {}) {
    return this.transport.request("GET", "/v1/usage", { schema: UsageResponse, query });
  }
}
