import { z } from "zod";
import type { ReplayReport } from "../../../api/admin";
import { replayAcrossArchive } from "../archive/archive-replay";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { requireAdmin } from "./gate";

/** `POST /v1/admin/replay`: rebuilds the projections from the archive and the live log and reports any difference. */
export const input = z.object({});

export async function handle(
  deps: FleetDeps,
  caller: Caller,
  _input: z.infer<typeof input>,
): Promise<ReplayReport> {
  requireAdmin(caller.identity);
  const report = await replayAcrossArchive(deps);
  return {
    ok: report.ok,
    events: report.eventsReplayed,
    differences: report.differences.map((d) => ({
      table: d.table,
      key: Object.values(d.key).map(String).join("/"),
      kind: d.live === null ? "missing_live" : d.rebuilt === null ? "missing_rebuilt" : "different",
      ...(d.live ? { live: d.live } : {}),
      ...(d.rebuilt ? { rebuilt: d.rebuilt } : {}),
    })),
  };
}
