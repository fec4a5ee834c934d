import { z } from "zod";
import { type EventsPage, StreamEventsQuery } from "../../../api/admin";
import { leaseStream } from "../../../events/lease-decider";
import { readStreamAcrossArchive } from "../archive/stream-trail";
import type { FleetDeps } from "../deps";
import { toLogEvent } from "../events-page";
import type { Caller } from "../rpc";
import { resolveManagedLease } from "./resolve";

/** `GET /v1/leases/{id-or-slug}/events`: the lease's own event stream (owner, manager or admin). */
export const input = z.object({ ref: z.string(), query: StreamEventsQuery });

export async function handle(
  deps: FleetDeps,
  caller: Caller,
  { ref, query }: z.infer<typeof input>,
): Promise<EventsPage> {
  const lease = resolveManagedLease(deps, ref, caller);
  // Archived versions first, then live (docs/event-log.md, "Archive").
  const events = await readStreamAcrossArchive(deps, leaseStream(lease.id), query.after, query.limit + 1);
  const page = events.slice(0, query.limit);
  const last = page.at(-1);
  return {
    events: page.map(toLogEvent),
    ...(events.length > query.limit && last ? { next: last.version } : {}),
  };
}
