import { RunCreateRequest } from "../../../api/runs";
import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `POST /v1/runs`: opens a run record (its first event is `run.started`). */
export async function createRun(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, RunCreateRequest, { code: "invalid_request" });
  const run = unwrap(await fleetStub(ctx.env).createRun(callerOf(ctx), body));
  return json(201, { run });
}
