import { z } from "zod";
import type { OrphansResponse } from "../../../api/admin";
import type { Caller } from "../rpc";
import type { UseCaseDeps } from "../use-case-deps";

/**
 * `GET /v1/admin/orphans`: crabbox-labelled provider machines no live lease owns, each with
 * the sweep's state for it and the event trail that explains it (machines/orphan-report.ts).
 */
export const input = z.object({});

export function handle(
  deps: UseCaseDeps,
  caller: Caller,
  _input: z.infer<typeof input>,
): Promise<OrphansResponse> {
  return deps.orphanReport.list(caller);
}
