import type { EventsPage } from "../../../api/admin";
import { isCrabboxError } from "../../../errors";
import { unwrap } from "../../fleet/rpc";
import { canManageLease } from "../../fleet/scoping";
import type { PortalContext } from "../context";
import { portalFleet } from "../fleet";
import { page } from "../layout";
import { leaseDetailBody } from "../pages/lease-detail";
import { htmlResponse } from "../response";

function afterParam(url: URL): number {
  const raw = url.searchParams.get("after") ?? "";
  return /^\d{1,12}$/.test(raw) ? Number(raw) : 0;
}

/** `GET /portal/leases/{id-or-slug}`: connection, time and cost, telemetry, runs and the event trail. */
export async function portalLeaseDetail(_request: Request, ctx: PortalContext): Promise<Response> {
  const fleet = portalFleet(ctx.env);
  const lease = unwrap(await fleet.getLease(ctx.caller, ctx.params.id ?? ""));
  const canManage = canManageLease(lease, ctx.identity);
  const trailAfter = afterParam(ctx.url);
  const [runs, trail] = await Promise.all([
    fleet.listRuns(ctx.caller, { leaseID: lease.id, limit: 20 }).then(unwrap),
    canManage
      ? fleet.leaseEvents(ctx.caller, lease.id, { after: trailAfter, limit: 200 }).then(unwrap)
      : Promise.resolve<EventsPage | undefined>(undefined),
  ]).catch((error: unknown) => {
    // Runs are owner-only; a lease shared with the caller still shows without them.
    if (isCrabboxError(error) && error.code === "forbidden") return [[], undefined] as const;
    throw error;
  });
  const body = leaseDetailBody({
    lease,
    runs: [...runs],
    ...(trail ? { trail } : {}),
    trailAfter,
    canManage,
    released: ctx.url.searchParams.get("released") === "1",
    now: ctx.now,
  });
  return htmlResponse(
    200,
    page({ title: lease.slug, nonce: ctx.nonce, identity: ctx.identity, active: "leases", body }),
    ctx.nonce,
  );
}
