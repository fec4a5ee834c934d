import { AdminEventsQuery, type EventsPage } from "../../../api/admin";
import type { FleetDeps } from "../deps";
import { toLogEvent } from "../events-page";
import type { Caller } from "../rpc";
import { requireAdmin } from "./gate";

/** `GET /v1/admin/events`: the whole log, paged by `seq`, filterable by stream, type, owner and time. */
export const input = AdminEventsQuery;

export function handle(deps: FleetDeps, caller: Caller, query: AdminEventsQuery): EventsPage {
  requireAdmin(caller.identity);
  const page = deps.store.readAll({
    after: query.after,
    limit: query.limit,
    ...(query.stream ? { stream: query.stream } : {}),
    ...(query.type ? { type: query.type } : {}),
    ...(query.owner ? { owner: query.owner } : {}),
    ...(query.since !== undefined ? { since: query.since } : {}),
    ...(query.until !== undefined ? { until: query.until } : {}),
  });
  const hashes = deps.store.hashesOf(page.events.map((e) => e.seq));
  return {
    events: page.events.map((e) => ({
      ...toLogEvent(e),
      ...(hashes.has(e.seq) ? { hash: hashes.get(e.seq) } : {}),
    })),
    ...(page.nextAfter !== null ? { next: page.nextAfter } : {}),
  };
}
