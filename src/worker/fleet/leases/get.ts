import { z } from "zod";
import type { LeaseRecord } from "../../../api/leases";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { leaseRecord, resolveLease } from "./resolve";

/** `GET /v1/leases/{id-or-slug}`: the lease with its telemetry history. */
export const input = z.object({ ref: z.string() });

export function handle(deps: FleetDeps, caller: Caller, { ref }: z.infer<typeof input>): LeaseRecord {
  return leaseRecord(deps, resolveLease(deps, ref, caller));
}
