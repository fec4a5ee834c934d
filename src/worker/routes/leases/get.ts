import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { json } from "../../http/json";

/** `GET /v1/leases/{id-or-slug}`. */
export async function getLease(_request: Request, ctx: RequestContext): Promise<Response> {
  return json(200, { lease: await runUseCase(ctx, "leases.get", { ref: ctx.params.id ?? "" }) });
}
