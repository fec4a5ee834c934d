import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { input } from "../../fleet/runs/events";
import { json } from "../../http/json";
import { parseQuery } from "../../http/query";

/** `GET /v1/runs/{run-id}/events?after=&limit=`: events with `seq > after`, ascending. */
export async function listRunEvents(request: Request, ctx: RequestContext): Promise<Response> {
  const query = parseQuery(request, input.shape.query);
  return json(200, { events: await runUseCase(ctx, "runs.events", { runID: ctx.params.id ?? "", query }) });
}
