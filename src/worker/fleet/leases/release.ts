import { z } from "zod";
import { type LeaseRecord, ReleaseRequest } from "../../../api/leases";
import { CrabboxError } from "../../../errors";
import { type LeaseCommand, leaseDecider, leaseStream } from "../../../events/lease-decider";
import { isLeaseLive, type LeaseState } from "../../../events/lease-state";
import { getLease } from "../../../projections/leases-queries";
import { callerMeta } from "../deps";
import { dedupeFor } from "../idempotency";
import type { Caller } from "../rpc";
import type { UseCaseDeps } from "../use-case-deps";
import { leaseRecord, resolveManagedLease } from "./resolve";

/**
 * `POST /v1/leases/{id-or-slug}/release` (`owner`), `POST /v1/admin/leases/{id}/release`
 * (`admin`) and `POST /v1/admin/leases/{id}/delete` (`admin-delete`: ends the lease if live and
 * deletes its machine, even one kept). Idempotent; the machine's deletion goes through the log.
 */
export const releaseModes = ["owner", "admin", "admin-delete"] as const;

export const input = z.object({ ref: z.string(), body: ReleaseRequest, mode: z.enum(releaseModes) });

export async function handle(
  deps: UseCaseDeps,
  caller: Caller,
  { ref, body, mode }: z.infer<typeof input>,
): Promise<LeaseRecord> {
  if (mode !== "owner" && !caller.identity.admin) throw new CrabboxError("forbidden", "admin token required");
  const dedupe = await dedupeFor(caller, `release:${mode}`, ref, body);
  const lease = resolveManagedLease(deps, ref, caller);
  const deleteMachine = mode === "admin-delete" ? true : body.delete;
  const command: LeaseCommand =
    mode === "admin-delete" && !isLeaseLive(lease.state)
      ? { type: "RequestMachineDelete", reason: "admin" }
      : {
          type: "Release",
          releasedBy: caller.identity.owner,
          ...(deleteMachine !== undefined ? { delete: deleteMachine } : {}),
        };
  const result = deps.store.execute({
    stream: leaseStream(lease.id),
    decider: leaseDecider,
    command,
    now: deps.now(),
    meta: callerMeta(caller),
    ...(dedupe ? { ...dedupe, result: (state: LeaseState) => leaseRecord(deps, state) } : {}),
  });
  const remembered = dedupe ? result.outcome.result : undefined;
  if (result.status === "deduplicated" && remembered) return remembered;
  const retryNow = mode === "admin-delete" && result.state.machineState === "delete_failed";
  if (result.state.machineState === "delete_requested" || retryNow) {
    await deps.cleanup.deleteMachine(lease.id, caller.requestId);
  }
  await deps.scheduler.schedule();
  // Under a key the answer is the one remembered; without one, the lease after its clean-up.
  if (remembered) return remembered;
  const after = getLease(deps.sql, lease.id);
  return leaseRecord(deps, after ?? result.state);
}
