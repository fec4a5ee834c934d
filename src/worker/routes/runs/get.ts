import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { json } from "../../http/json";

/** `GET /v1/runs/{run-id}`. */
export async function getRun(_request: Request, ctx: RequestContext): Promise<Response> {
  return json(200, { run: await runUseCase(ctx, "runs.get", { runID: ctx.params.id ?? "" }) });
}
