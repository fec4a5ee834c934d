import { z } from "zod";
import { ShareDeleteRequest, type ShareResponse } from "../../../api/leases";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { shareKey } from "../scoping";
import { resolveManagedLease } from "./resolve";
import { changeShare } from "./share";

/** `DELETE /v1/leases/{id-or-slug}/share`: removes one user and/or the org grant, or everything. */
export const input = z.object({ ref: z.string(), body: ShareDeleteRequest });

export function handle(deps: FleetDeps, caller: Caller, { ref, body }: z.infer<typeof input>): ShareResponse {
  const lease = resolveManagedLease(deps, ref, caller);
  if (body.user === undefined && !body.org) return changeShare(deps, caller, lease, {});
  const users = { ...(lease.share?.users ?? {}) };
  if (body.user !== undefined) delete users[shareKey(body.user)];
  const org = body.org ? undefined : lease.share?.org;
  return changeShare(deps, caller, lease, users, org);
}
