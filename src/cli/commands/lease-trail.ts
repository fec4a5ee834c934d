/**
 * `crabbox events --lease <slug>`: a lease's trail as sentences, heartbeats collapsed, with
 * the answer to "why is this machine still running?" first (docs/event-log.md#the-trail-as-sentences).
 * `--json` prints the raw page instead.
 */
import type { EventsPage } from "../../api/admin";
import type { LeaseRecord } from "../../api/leases";
import type { CoordinatorClient } from "../../client/client";
import { machineStatus } from "../../domain/trail/machine-status";
import { trailRows } from "../../domain/trail/rows";

const time = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, "Z");

/** The lines `crabbox events --lease` prints for one page of the trail. */
export function leaseTrailLines(lease: LeaseRecord, page: EventsPage, now: number): string[] {
  const rows = trailRows(page.events, { requestedAt: Date.parse(lease.createdAt) });
  const lines = [`${lease.slug} (${lease.id}) ${lease.state}: ${machineStatus(lease, page.events, now)}`, ""];
  for (const row of rows) {
    const first = row.events[0];
    const last = row.events.at(-1);
    if (!first || !last) continue;
    const seq = first === last ? String(first.seq) : `${first.seq}-${last.seq}`;
    const at = first === last ? time(first.at) : `${time(first.at)} .. ${time(last.at)}`;
    lines.push(`${seq.padStart(7)}  ${at}  ${row.sentence}`);
  }
  return lines;
}

export async function leaseTrail(
  client: CoordinatorClient,
  ref: string,
  query: { after: number; limit: number },
  signal: AbortSignal | undefined,
): Promise<{ lease: LeaseRecord; page: EventsPage }> {
  const lease = await client.getLease(ref, signal);
  const page = await client.leaseEvents(lease.id, { after: String(query.after), limit: String(query.limit) });
  return { lease, page };
}
