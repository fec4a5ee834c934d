import { RunListQuery } from "../../../api/runs";
import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { json } from "../../http/json";
import { parseQuery } from "../../http/query";

/** `GET /v1/runs`: newest first; non-admin callers only ever see their own. */
export async function listRuns(request: Request, ctx: RequestContext): Promise<Response> {
  const query = parseQuery(request, RunListQuery);
  return json(200, { runs: unwrap(await fleetStub(ctx.env).listRuns(callerOf(ctx), query)) });
}
