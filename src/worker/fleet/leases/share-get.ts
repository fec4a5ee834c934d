import { z } from "zod";
import type { ShareResponse } from "../../../api/leases";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { resolveLease } from "./resolve";
import { shareResponse } from "./share";

/** `GET /v1/leases/{id-or-slug}/share`: anyone who can see the lease. */
export const input = z.object({ ref: z.string() });

export function handle(deps: FleetDeps, caller: Caller, { ref }: z.infer<typeof input>): ShareResponse {
  return shareResponse(resolveLease(deps, ref, caller));
}
