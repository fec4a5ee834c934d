import { type ExportPage, ExportQuery } from "../../../api/export";
import { readExportPageAcrossArchive } from "../archive/archive-export";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { requireAdmin } from "./gate";

/** `GET /v1/admin/export`: the log as stored with its hash chain, archive included (docs/event-log.md, "Export format"). */
/** @public The use case's input schema, as every use case names it (docs/design.md). */
export const input = ExportQuery;

export async function handle(deps: FleetDeps, caller: Caller, query: ExportQuery): Promise<ExportPage> {
  requireAdmin(caller.identity);
  const head = deps.store.chainHead();
  const page = await readExportPageAcrossArchive(deps, {
    after: query.after,
    limit: query.limit,
    ...(query.since !== undefined ? { since: query.since } : {}),
    ...(query.until !== undefined ? { until: query.until } : {}),
  });
  return { entries: page.entries, ...(page.next !== null ? { next: page.next } : {}), head };
}
