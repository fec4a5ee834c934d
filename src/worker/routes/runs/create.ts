import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { input } from "../../fleet/runs/create";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `POST /v1/runs`: opens a run record (its first event is `run.started`). */
export async function createRun(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, input, { code: "invalid_request" });
  return json(201, { run: await runUseCase(ctx, "runs.create", body) });
}
