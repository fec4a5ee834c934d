import { SharePutRequest } from "../../../api/leases";
import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `PUT /v1/leases/{id-or-slug}/share`: replaces the share (manage access). */
export async function putLeaseShare(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, SharePutRequest);
  const share = { users: body.users ?? {}, ...(body.org ? { org: body.org } : {}) };
  return json(200, unwrap(await fleetStub(ctx.env).setLeaseShare(callerOf(ctx), ctx.params.id ?? "", share)));
}
