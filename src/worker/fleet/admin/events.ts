import { AdminEventsQuery, type EventsPage } from "../../../api/admin";
import { eventsPageAcrossArchive } from "../archive/archive-events";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";
import { requireAdmin } from "./gate";

/**
 * `GET /v1/admin/events`: the whole log, live and archived (docs/event-log.md, "Archive"),
 * paged by `seq`, filterable by stream, type, owner and time.
 */
/** @public The use case's input schema, as every use case names it (docs/design.md). */
export const input = AdminEventsQuery;

export function handle(deps: FleetDeps, caller: Caller, query: AdminEventsQuery): Promise<EventsPage> {
  requireAdmin(caller.identity);
  return eventsPageAcrossArchive(deps, query);
}
