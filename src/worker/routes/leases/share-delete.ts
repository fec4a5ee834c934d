import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { input } from "../../fleet/leases/share-remove";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `DELETE /v1/leases/{id-or-slug}/share`: removes one user and/or the org grant, or everything. */
export async function deleteLeaseShare(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, input.shape.body, { optional: true });
  return json(200, await runUseCase(ctx, "leases.share-remove", { ref: ctx.params.id ?? "", body }));
}
