import { ShareDeleteRequest } from "../../../api/leases";
import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `DELETE /v1/leases/{id-or-slug}/share`: removes one user and/or the org grant, or everything. */
export async function deleteLeaseShare(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, ShareDeleteRequest, { optional: true });
  return json(
    200,
    unwrap(await fleetStub(ctx.env).removeLeaseShare(callerOf(ctx), ctx.params.id ?? "", body)),
  );
}
