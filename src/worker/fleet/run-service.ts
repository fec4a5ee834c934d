import type {
  RunCreateRequest,
  RunEventInput,
  RunEventRecord,
  RunEventsQuery,
  RunFinishRequest,
  RunListQuery,
  RunRecord,
  RunTelemetryRequest,
} from "../../api/runs";
import { boundArtifacts } from "../../domain/artifacts";
import { newRunId } from "../../domain/ids";
import { boundResults } from "../../domain/results";
import { sanitizeTelemetry } from "../../domain/telemetry";
import { CrabboxError } from "../../errors";
import type { TelemetrySample } from "../../events/catalogue";
import { type RunCommand, runDecider, runStream } from "../../events/run-decider";
import type { RunState } from "../../events/run-state";
import type { Row } from "../../projections/codec";
import { getLease } from "../../projections/leases-queries";
import { eventSample, toRunEventRecord, toRunRecord } from "../../projections/records";
import { getRun, listRuns, runEventsAfter } from "../../projections/runs-queries";
import { defaultProviderName } from "../../providers/registry";
import { callerMeta, type FleetDeps } from "./deps";
import { dedupeFor } from "./idempotency";
import type { Caller } from "./rpc";
import { canSeeLease, canSeeRun } from "./scoping";

const runNotFound = () => new CrabboxError("not_found", "run not found");

/**
 * Run records (docs/api.md#runs): created by the CLI around a command, with progress
 * events (per-run seq), telemetry, and a finish carrying the log tail and test results. No
 * sharing: a run is visible to its owner (same owner and org) and to admins; anyone else gets
 * 404, never 403, so run IDs do not leak.
 */
export class RunService {
  constructor(private readonly deps: FleetDeps) {}

  private visibleRun(caller: Caller, runID: string): RunState {
    const run = getRun(this.deps.sql, runID);
    if (!run || !canSeeRun(run, caller.identity)) throw runNotFound();
    return run;
  }

  private async execute(
    caller: Caller,
    runID: string,
    route: string,
    body: unknown,
    command: RunCommand,
    respond: (state: RunState) => unknown,
  ): Promise<unknown> {
    const dedupe = await dedupeFor(caller, route, runID, body);
    const result = this.deps.store.execute({
      stream: runStream(runID),
      decider: runDecider,
      command,
      now: this.deps.now(),
      meta: callerMeta(caller),
      ...(dedupe ? { ...dedupe, result: (state: RunState) => respond(state) as never } : {}),
    });
    if (dedupe) return result.outcome.result;
    return respond(result.state);
  }

  async create(caller: Caller, body: RunCreateRequest): Promise<RunRecord> {
    const leaseID = body.leaseID ?? "";
    const lease = leaseID ? getLease(this.deps.sql, leaseID) : undefined;
    if (lease && !canSeeLease(lease, caller.identity)) throw new CrabboxError("not_found", "lease not found");
    const dedupe = await dedupeFor(caller, "run-create", "", body);
    // A retried create under the same key must not mint a second run: the key names the run.
    const runID = dedupe ? runIdFor(dedupe.dedupeKey) : newRunId();
    const run = {
      runID,
      leaseID,
      // What the lease says beats what the client guessed.
      slug: lease?.slug ?? "",
      provider: lease?.provider ?? body.provider ?? defaultProviderName(this.deps.env),
      target: lease?.target ?? body.target ?? "linux",
      class: lease?.class ?? body.class ?? "",
      serverType: lease?.serverType ?? body.serverType ?? "",
      owner: caller.identity.owner,
      org: caller.identity.org,
      command: body.command ?? [],
      ...((lease?.windowsMode ?? body.windowsMode)
        ? { windowsMode: lease?.windowsMode ?? body.windowsMode }
        : {}),
    };
    return (await this.execute(
      caller,
      runID,
      "run-create",
      body,
      { type: "StartRun", run },
      toRunRecord,
    )) as RunRecord;
  }

  get(caller: Caller, runID: string): RunRecord {
    return toRunRecord(this.visibleRun(caller, runID));
  }

  list(caller: Caller, query: RunListQuery): RunRecord[] {
    const { identity } = caller;
    return listRuns(this.deps.sql, {
      owner: identity.admin ? query.owner : identity.owner,
      org: identity.admin ? query.org : identity.org,
      leaseID: query.leaseID || undefined,
      state: query.state || undefined,
      limit: query.limit,
    }).map(toRunRecord);
  }

  log(caller: Caller, runID: string): string {
    this.visibleRun(caller, runID);
    const pointer = this.deps.sql
      .exec<{ event_seq: number }>("SELECT event_seq FROM run_logs WHERE run_id = ?", runID)
      .toArray()[0];
    return pointer ? this.deps.store.readAttachment(pointer.event_seq) : "";
  }

  events(caller: Caller, runID: string, query: RunEventsQuery): RunEventRecord[] {
    this.visibleRun(caller, runID);
    return runEventsAfter(this.deps.sql, runID, query.after, query.limit);
  }

  async appendEvent(caller: Caller, runID: string, body: RunEventInput): Promise<RunEventRecord> {
    this.visibleRun(caller, runID);
    const event = { ...body, ...(body.leaseID === "" ? { leaseID: undefined } : {}) };
    return (await this.execute(
      caller,
      runID,
      "run-event",
      body,
      { type: "AppendRunEvent", event },
      (state) => {
        const row = this.deps.sql
          .exec<Row>("SELECT * FROM run_events WHERE run_id = ? AND seq = ?", runID, state.eventCount)
          .toArray()[0];
        if (!row) throw new CrabboxError("internal", "run event not projected");
        return toRunEventRecord(row);
      },
    )) as RunEventRecord;
  }

  async recordTelemetry(caller: Caller, runID: string, body: RunTelemetryRequest): Promise<RunRecord> {
    this.visibleRun(caller, runID);
    const sample = sanitizeTelemetry(body.telemetry, this.deps.now());
    if (!sample) {
      throw new CrabboxError("invalid_telemetry", "telemetry has no usable metric", { field: "telemetry" });
    }
    const command: RunCommand = { type: "RecordRunTelemetry", sample: eventSample(sample) };
    return (await this.execute(caller, runID, "run-telemetry", body, command, toRunRecord)) as RunRecord;
  }

  async finish(caller: Caller, runID: string, body: RunFinishRequest): Promise<RunRecord> {
    this.visibleRun(caller, runID);
    const now = this.deps.now();
    const chunks = body.logChunks?.join("") ?? "";
    const log = chunks !== "" ? chunks : (body.log ?? "");
    const sanitize = (input: unknown): TelemetrySample | undefined => {
      const sample = sanitizeTelemetry(input, now);
      return sample ? eventSample(sample) : undefined;
    };
    const start = sanitize(body.telemetry?.start);
    const end = sanitize(body.telemetry?.end);
    const samples = (body.telemetry?.samples ?? [])
      .map(sanitize)
      .filter((s): s is TelemetrySample => s !== undefined);
    const results = body.results ? boundResults(body.results) : undefined;
    const artifacts = boundArtifacts(body.artifacts);
    const command: RunCommand = {
      type: "FinishRun",
      finish: {
        ...(body.exitCode !== undefined ? { exitCode: body.exitCode } : {}),
        ...(body.syncMs !== undefined ? { syncMs: body.syncMs } : {}),
        ...(body.commandMs !== undefined ? { commandMs: body.commandMs } : {}),
        log,
        ...(body.logTruncated !== undefined ? { logTruncated: body.logTruncated } : {}),
        ...(results ? { results } : {}),
        ...(artifacts.length ? { artifacts } : {}),
        telemetry: {
          ...(start ? { start } : {}),
          ...(end ? { end } : {}),
          ...(samples.length ? { samples } : {}),
        },
      },
    };
    return (await this.execute(caller, runID, "run-finish", body, command, toRunRecord)) as RunRecord;
  }
}

/** A run ID derived from an idempotency key, so that a retried create names the same run. */
function runIdFor(dedupeKey: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < dedupeKey.length; i++) {
    const c = dedupeKey.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  const hex = (h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0")).slice(0, 12);
  return `run_${hex}`;
}
