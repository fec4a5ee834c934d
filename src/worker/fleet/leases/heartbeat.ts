import { z } from "zod";
import { HeartbeatRequest, type LeaseRecord } from "../../../api/leases";
import { isLeaseId } from "../../../domain/ids";
import { sanitizeTelemetry } from "../../../domain/telemetry";
import { type LeaseCommand, leaseDecider, leaseStream } from "../../../events/lease-decider";
import type { LeaseState } from "../../../events/lease-state";
import { eventSample } from "../../../projections/records";
import { callerMeta } from "../deps";
import { dedupeFor } from "../idempotency";
import type { Caller } from "../rpc";
import { canSeeLease } from "../scoping";
import type { UseCaseDeps } from "../use-case-deps";
import { leaseNotFound, leaseRecord, resolveLease } from "./resolve";

/** `POST /v1/leases/{id-or-slug}/heartbeat`: touch, maybe a new idle timeout, maybe telemetry. */
export const input = z.object({ ref: z.string(), body: HeartbeatRequest });

export async function handle(
  deps: UseCaseDeps,
  caller: Caller,
  { ref, body }: z.infer<typeof input>,
): Promise<LeaseRecord> {
  const dedupe = await dedupeFor(caller, "heartbeat", ref, body);
  // The hot path: a lease ID is checked against the state the store loads anyway.
  const leaseID = isLeaseId(ref) ? ref : resolveLease(deps, ref, caller).id;
  const now = deps.now();
  const sample = body.telemetry ? sanitizeTelemetry(body.telemetry, now) : undefined;
  const command: LeaseCommand = {
    type: "Heartbeat",
    ...(body.idleTimeoutSeconds !== undefined ? { idleTimeoutSeconds: body.idleTimeoutSeconds } : {}),
    ...(sample ? { telemetry: eventSample(sample) } : {}),
  };
  const meta = callerMeta(caller);
  const result = await deps.heartbeats.run(leaseID, () =>
    deps.store.execute({
      stream: leaseStream(leaseID),
      decider: leaseDecider,
      command,
      now: deps.now(),
      meta,
      guard: (lease: LeaseState) => {
        if (!lease.exists || !canSeeLease(lease, caller.identity)) throw leaseNotFound();
      },
      // The hot path: the lease without its telemetry history (`GET /v1/leases/{id}` has it).
      result: (state: LeaseState) => leaseRecord(deps, state, false),
      ...dedupe,
    }),
  );
  // A shorter idle timeout can bring the expiry forward; otherwise the alarm stays where it is.
  if (result.status !== "deduplicated") await deps.scheduler.scheduleNoLaterThan(result.state.expiresAt);
  return result.outcome.result;
}
