import { z } from "zod";
import type { ShareResponse } from "../../../api/leases";
import { shareRoleSchema } from "../../../events/payloads/shared";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { resolveManagedLease } from "./resolve";
import { changeShare } from "./share";

/** `PUT /v1/leases/{id-or-slug}/share`: replaces the share (manage access). */
export const input = z.object({
  ref: z.string(),
  share: z.object({ users: z.record(z.string(), shareRoleSchema), org: shareRoleSchema.optional() }),
});

export function handle(
  deps: FleetDeps,
  caller: Caller,
  { ref, share }: z.infer<typeof input>,
): ShareResponse {
  return changeShare(deps, caller, resolveManagedLease(deps, ref, caller), share.users, share.org);
}
