import type { EventsPage } from "../../../api/admin";
import { isCrabboxError } from "../../../errors";
import { callFleet } from "../../fleet/call";
import { canManageLease } from "../../fleet/scoping";
import type { PortalContext } from "../context";
import { page } from "../layout";
import { leaseDetailBody } from "../pages/lease-detail";
import { htmlResponse } from "../response";

function afterParam(url: URL): number {
  const raw = url.searchParams.get("after") ?? "";
  return /^\d{1,12}$/.test(raw) ? Number(raw) : 0;
}

/** `GET /portal/leases/{id-or-slug}`: connection, time and cost, telemetry, runs and the event trail. */
export async function portalLeaseDetail(_request: Request, ctx: PortalContext): Promise<Response> {
  const lease = await callFleet(ctx.env, ctx.caller, "leases.get", { ref: ctx.params.id ?? "" });
  const canManage = canManageLease(lease, ctx.identity);
  const trailAfter = afterParam(ctx.url);
  const [runs, trail] = await Promise.all([
    callFleet(ctx.env, ctx.caller, "runs.list", { leaseID: lease.id, limit: 20 }),
    canManage
      ? callFleet(ctx.env, ctx.caller, "leases.events", {
          ref: lease.id,
          query: { after: trailAfter, limit: 200 },
        })
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
