import { AdminEventsQuery } from "../../../api/admin";
import { CrabboxError } from "../../../errors";
import { requireAdmin } from "../../fleet/admin/gate";
import { callFleet } from "../../fleet/call";
import type { PortalContext } from "../context";
import { page } from "../layout";
import { type AuditFilters, auditBody, auditFilterNames, verifyBody } from "../pages/audit";
import { htmlResponse } from "../response";

/** `GET /portal/admin/audit` (admin): the whole log, 100 events a page, filterable like `/v1/admin/events`. */
export async function portalAudit(_request: Request, ctx: PortalContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const filters: AuditFilters = {};
  for (const name of auditFilterNames) {
    const value = ctx.url.searchParams.get(name)?.trim();
    if (value) filters[name] = value;
  }
  const rawAfter = ctx.url.searchParams.get("after") ?? "0";
  const parsed = AdminEventsQuery.safeParse({ ...filters, after: rawAfter, limit: "100" });
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join(".") || "query";
    throw new CrabboxError("invalid_request", `filter ${field} is not valid`, { field });
  }
  const events = await callFleet(ctx.env, ctx.caller, "admin.events", parsed.data);
  const body = auditBody(events, filters, parsed.data.after);
  return htmlResponse(
    200,
    page({ title: "Audit", nonce: ctx.nonce, identity: ctx.identity, active: "audit", body }),
    ctx.nonce,
  );
}

/** `POST /portal/admin/audit/verify` (admin, same origin): replays the log and shows the comparison. */
export async function portalAuditVerify(_request: Request, ctx: PortalContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const report = await callFleet(ctx.env, ctx.caller, "admin.replay", {});
  const body = verifyBody(report);
  return htmlResponse(
    200,
    page({ title: "Projection check", nonce: ctx.nonce, identity: ctx.identity, active: "audit", body }),
    ctx.nonce,
  );
}
