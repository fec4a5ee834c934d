import { unwrap } from "../../fleet/rpc";
import type { PortalContext } from "../context";
import { portalFleet } from "../fleet";
import { page } from "../layout";
import { runDetailBody } from "../pages/run-detail";
import { htmlResponse, textResponse } from "../response";

/** `GET /portal/runs/{id}`: command, outcome, durations, results, log tail and run events. */
export async function portalRunDetail(_request: Request, ctx: PortalContext): Promise<Response> {
  const fleet = portalFleet(ctx.env);
  const id = ctx.params.id ?? "";
  const run = unwrap(await fleet.getRun(ctx.caller, id));
  const [events, log, group] = await Promise.all([
    fleet.runEvents(ctx.caller, run.id, { after: 0, limit: 500 }).then(unwrap),
    fleet.runLog(ctx.caller, run.id).then(unwrap),
    // The other shards of its `crabbox shard` group (at most 256), shown with it.
    run.shard
      ? fleet.listRuns(ctx.caller, { shardGroup: run.shard.group, limit: 256 }).then(unwrap)
      : Promise.resolve([]),
  ]);
  const body = runDetailBody(run, events, log, ctx.now, group);
  return htmlResponse(
    200,
    page({ title: `Run ${run.id}`, nonce: ctx.nonce, identity: ctx.identity, active: "runs", body }),
    ctx.nonce,
  );
}

/** `GET /portal/runs/{id}/logs`: the retained log tail as plain text (never rendered as HTML). */
export async function portalRunLog(_request: Request, ctx: PortalContext): Promise<Response> {
  const log = unwrap(await portalFleet(ctx.env).runLog(ctx.caller, ctx.params.id ?? ""));
  return textResponse(200, log);
}
