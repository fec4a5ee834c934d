import { z } from "zod";
import type { Caller } from "../rpc";
import type { UseCaseDeps } from "../use-case-deps";

/** `GET /v1/admin/metrics`: the Prometheus text computed from the projections (docs/api.md, "Metrics"). */
export const input = z.object({});

export function handle(deps: UseCaseDeps, caller: Caller, _input: z.infer<typeof input>): string {
  return deps.fleetMetrics.render(caller);
}
