import { callFleet } from "../../fleet/call";
import type { PortalContext } from "../context";
import { page } from "../layout";
import { runDetailBody } from "../pages/run-detail";
import { htmlResponse, textResponse } from "../response";

/** `GET /portal/runs/{id}`: command, outcome, durations, results, log tail and run events. */
export async function portalRunDetail(_request: Request, ctx: PortalContext): Promise<Response> {
  const id = ctx.params.id ?? "";
  const run = await callFleet(ctx.env, ctx.caller, "runs.get", { runID: id });
  const [events, log, group] = await Promise.all([
    callFleet(ctx.env, ctx.caller, "runs.events", { runID: run.id, query: { after: 0, limit: 500 } }),
    callFleet(ctx.env, ctx.caller, "runs.log", { runID: run.id }),
    // The other shards of its `crabbox shard` group (at most 256), shown with it.
    run.shard
      ? callFleet(ctx.env, ctx.caller, "runs.list", { shardGroup: run.shard.group, limit: 256 })
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
  const log = await callFleet(ctx.env, ctx.caller, "runs.log", { runID: ctx.params.id ?? "" });
  return textResponse(200, log);
}
