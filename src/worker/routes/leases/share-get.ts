import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { json } from "../../http/json";

/** `GET /v1/leases/{id-or-slug}/share`. */
export async function getLeaseShare(_request: Request, ctx: RequestContext): Promise<Response> {
  return json(200, await runUseCase(ctx, "leases.share-get", { ref: ctx.params.id ?? "" }));
}
