import { RunState } from "../../../api/runs";
import { callFleet } from "../../fleet/call";
import type { PortalContext } from "../context";
import { html } from "../html";
import { page } from "../layout";
import { option, runTable } from "../pages/parts";
import { htmlResponse } from "../response";

/** `GET /portal/runs?state=&lease=&shard=&owner=`: run history across leases (admins: everyone's). */
export async function portalRuns(_request: Request, ctx: PortalContext): Promise<Response> {
  const params = ctx.url.searchParams;
  const state = RunState.safeParse(params.get("state") || undefined);
  const lease = params.get("lease")?.trim() || undefined;
  const shard = params.get("shard")?.trim() || undefined;
  const owner = ctx.identity.admin ? params.get("owner")?.trim() || undefined : undefined;
  const runs = await callFleet(ctx.env, ctx.caller, "runs.list", {
    limit: 200,
    ...(state.success && state.data ? { state: state.data } : {}),
    ...(lease ? { leaseID: lease } : {}),
    ...(shard ? { shardGroup: shard } : {}),
    ...(owner ? { owner } : {}),
  });
  const selected = state.success ? state.data : undefined;
  const body = html`<h1>Runs</h1>
<form class="filters" method="get" action="/portal/runs" aria-label="Filter runs">
<label>State<select name="state">${option("", "any", selected)}${RunState.options.map((s) => option(s, s, selected))}</select></label>
<label>Lease ID<input name="lease" value="${lease ?? ""}" placeholder="cbx_…"></label>
<label>Shard group<input name="shard" value="${shard ?? ""}" placeholder="shg_…"></label>
${ctx.identity.admin ? html`<label>Owner<input name="owner" value="${owner ?? ""}"></label>` : ""}
<button type="submit">Filter</button> <a href="/portal/runs">Clear</a></form>
${runTable(runs, ctx.now, "Runs")}`;
  return htmlResponse(
    200,
    page({ title: "Runs", nonce: ctx.nonce, identity: ctx.identity, active: "runs", body }),
    ctx.nonce,
  );
}
