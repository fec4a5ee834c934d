import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { input } from "../../fleet/runs/list";
import { json } from "../../http/json";
import { parseQuery } from "../../http/query";

/** `GET /v1/runs`: newest first; non-admin callers only ever see their own. */
export async function listRuns(request: Request, ctx: RequestContext): Promise<Response> {
  return json(200, { runs: await runUseCase(ctx, "runs.list", parseQuery(request, input)) });
}
