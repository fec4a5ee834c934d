import { callFleet } from "../../fleet/call";
import type { PortalContext } from "../context";
import { page } from "../layout";
import { usageBody } from "../pages/usage";
import { htmlResponse } from "../response";

/** `GET /portal/usage?month=YYYY-MM`: the caller's spend (admins: the fleet's) against the caps. */
export async function portalUsage(_request: Request, ctx: PortalContext): Promise<Response> {
  const raw = ctx.url.searchParams.get("month")?.trim() ?? "";
  const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(raw) ? raw : undefined;
  const report = await callFleet(ctx.env, ctx.caller, "leases.usage", {
    scope: ctx.identity.admin ? "all" : "user",
    ...(month ? { month } : {}),
  });
  const body = usageBody(report, month ?? report.usage.month);
  return htmlResponse(
    200,
    page({ title: "Usage", nonce: ctx.nonce, identity: ctx.identity, active: "usage", body }),
    ctx.nonce,
  );
}
