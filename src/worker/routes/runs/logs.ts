import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";

/** `GET /v1/runs/{run-id}/logs`: the stored log tail as text/plain (empty until finished). */
export async function runLogs(_request: Request, ctx: RequestContext): Promise<Response> {
  const text = await runUseCase(ctx, "runs.log", { runID: ctx.params.id ?? "" });
  return new Response(text, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
}
