import { CrabboxError } from "../../../errors";
import { callFleet } from "../../fleet/call";
import { canManageLease } from "../../fleet/scoping";
import type { PortalContext } from "../context";
import { page } from "../layout";
import { releaseConfirmBody } from "../pages/lease-detail";
import { leaseHref } from "../pages/parts";
import { htmlResponse, redirect } from "../response";

async function manageableLease(ctx: PortalContext) {
  const lease = await callFleet(ctx.env, ctx.caller, "leases.get", { ref: ctx.params.id ?? "" });
  if (!canManageLease(lease, ctx.identity))
    throw new CrabboxError("forbidden", "lease manage access required");
  return lease;
}

/** `GET /portal/leases/{id}/release`: the confirmation step (manage access only). */
export async function portalLeaseReleaseConfirm(_request: Request, ctx: PortalContext): Promise<Response> {
  const lease = await manageableLease(ctx);
  if (lease.state !== "active" && lease.state !== "provisioning") return redirect(leaseHref(lease));
  const body = releaseConfirmBody(lease);
  return htmlResponse(
    200,
    page({
      title: `Release ${lease.slug}`,
      nonce: ctx.nonce,
      identity: ctx.identity,
      active: "leases",
      body,
    }),
    ctx.nonce,
  );
}

/** `POST /portal/leases/{id}/release` (same origin): releases through the log, then back to the lease (303). */
export async function portalLeaseRelease(_request: Request, ctx: PortalContext): Promise<Response> {
  const lease = await manageableLease(ctx);
  // "owner" mode serves every manager (owner, manage share, admin). A release from the portal
  // gives the machine back too, `keep` or not: it left "Machine: kept" running (issue 13).
  await callFleet(ctx.env, ctx.caller, "leases.release", {
    ref: lease.id,
    body: { delete: true },
    mode: "owner",
  });
  return redirect(`${leaseHref(lease)}?released=1`, 303);
}
