import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { input } from "../../fleet/runs/append-event";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `POST /v1/runs/{run-id}/events`: appends one bounded progress event with the next per-run seq. */
export async function appendRunEvent(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, input.shape.body);
  return json(201, {
    event: await runUseCase(ctx, "runs.append-event", { runID: ctx.params.id ?? "", body }),
  });
}
