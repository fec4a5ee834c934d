import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { input } from "../../fleet/runs/finish";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `POST /v1/runs/{run-id}/finish`: exit code, durations, results and the log tail (≤ 8 MiB). */
export async function finishRun(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, input.shape.body);
  return json(200, { run: await runUseCase(ctx, "runs.finish", { runID: ctx.params.id ?? "", body }) });
}
