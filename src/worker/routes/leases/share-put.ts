import { SharePutRequest } from "../../../api/leases";
import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `PUT /v1/leases/{id-or-slug}/share`: replaces the share (manage access). */
export async function putLeaseShare(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, SharePutRequest);
  const share = { users: body.users ?? {}, ...(body.org ? { org: body.org } : {}) };
  return json(200, await runUseCase(ctx, "leases.share-set", { ref: ctx.params.id ?? "", share }));
}
