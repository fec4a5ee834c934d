import { RunCreateRequest, type RunRecord } from "../../../api/runs";
import { newRunId } from "../../../domain/ids";
import { CrabboxError } from "../../../errors";
import { getLease } from "../../../projections/leases-queries";
import { toRunRecord } from "../../../projections/records";
import { defaultProviderName } from "../../../providers/registry";
import { dedupeFor } from "../idempotency";
import type { Caller } from "../rpc";
import { canSeeLease } from "../scoping";
import type { UseCaseDeps } from "../use-case-deps";
import { executeRunCommand } from "./run-command";

/**
 * `POST /v1/runs`: opens a run record (its first event is `run.started`), created by the CLI
 * around a command; what the lease says beats what the client guessed.
 */
export const input = RunCreateRequest;

export async function handle(deps: UseCaseDeps, caller: Caller, body: RunCreateRequest): Promise<RunRecord> {
  const leaseID = body.leaseID ?? "";
  const lease = leaseID ? getLease(deps.sql, leaseID) : undefined;
  if (lease && !canSeeLease(lease, caller.identity)) throw new CrabboxError("not_found", "lease not found");
  const dedupe = await dedupeFor(caller, "run-create", "", body);
  // A retried create under the same key must not mint a second run: the key names the run.
  const runID = dedupe ? runIdFor(dedupe.dedupeKey) : newRunId();
  const run = {
    runID,
    leaseID,
    slug: lease?.slug ?? "",
    provider: lease?.provider ?? body.provider ?? defaultProviderName(deps.env),
    target: lease?.target ?? body.target ?? "linux",
    class: lease?.class ?? body.class ?? "",
    serverType: lease?.serverType ?? body.serverType ?? "",
    owner: caller.identity.owner,
    org: caller.identity.org,
    command: body.command ?? [],
    ...(body.shard ? { shard: body.shard } : {}),
    ...((lease?.windowsMode ?? body.windowsMode)
      ? { windowsMode: lease?.windowsMode ?? body.windowsMode }
      : {}),
  };
  const record = await executeRunCommand(
    deps,
    caller,
    { runID, route: "run-create", body },
    { type: "StartRun", run },
    toRunRecord,
  );
  // A run its client never finishes is ended by the alarm (fleet/run-sweep.ts): arm it.
  await deps.scheduler.schedule();
  return record;
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
