import { RunEventInput } from "../../../api/runs";
import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `POST /v1/runs/{run-id}/events`: appends one bounded progress event with the next per-run seq. */
export async function appendRunEvent(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, RunEventInput);
  const event = unwrap(await fleetStub(ctx.env).appendRunEvent(callerOf(ctx), ctx.params.id ?? "", body));
  return json(201, { event });
}
