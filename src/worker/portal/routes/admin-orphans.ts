import type { LogEvent } from "../../../api/admin";
import { requireAdmin } from "../../fleet/admin-gate";
import { unwrap } from "../../fleet/rpc";
import type { PortalContext } from "../context";
import { portalFleet } from "../fleet";
import { page } from "../layout";
import { type OrphanCandidate, orphanMachines, orphansBody } from "../pages/orphans";
import { htmlResponse } from "../response";

const shownCandidates = 25;
const trailLength = 8;

/** `GET /portal/admin/orphans` (admin): provider resources without a live lease, each with its lease's trail. */
export async function portalOrphans(_request: Request, ctx: PortalContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const fleet = portalFleet(ctx.env);
  const [pool, leases, fleetEvents] = await Promise.all([
    fleet.pool(ctx.caller, {}).then(unwrap),
    fleet.listLeases(ctx.caller, { limit: 500 }).then(unwrap),
    fleet.adminEvents(ctx.caller, { stream: "fleet", after: 0, limit: 500 }).then(unwrap),
  ]);
  const labelled = pool.machines.filter((m) => m.labels.crabbox === "true");
  const byId = new Map(leases.map((l) => [l.id, l]));
  const candidates: OrphanCandidate[] = await Promise.all(
    orphanMachines(pool.machines, leases)
      .slice(0, shownCandidates)
      .map(async (machine) => {
        const leaseID = machine.labels.lease ?? "";
        const lease =
          byId.get(leaseID) ??
          (leaseID
            ? await fleet.getLease(ctx.caller, leaseID).then((r) => (r.ok ? r.value : undefined))
            : undefined);
        let trail: LogEvent[] = [];
        if (lease) {
          const page = unwrap(
            await fleet.adminEvents(ctx.caller, { stream: `lease:${lease.id}`, after: 0, limit: 500 }),
          );
          trail = page.events.slice(-trailLength);
        }
        return { machine, trail, ...(lease ? { lease } : {}) };
      }),
  );
  const sweep = fleetEvents.events.filter((e) => e.type === "OrphanDetected" || e.type === "OrphanDeleted");
  const body = orphansBody(candidates, sweep, labelled.length);
  return htmlResponse(
    200,
    page({ title: "Orphans", nonce: ctx.nonce, identity: ctx.identity, active: "orphans", body }),
    ctx.nonce,
  );
}
