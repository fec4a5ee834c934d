import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { input } from "../../fleet/leases/release";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `POST /v1/leases/{id-or-slug}/release`: idempotent; machine deletion goes through the log. */
export async function releaseLease(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, input.shape.body, { optional: true });
  const lease = await runUseCase(ctx, "leases.release", { ref: ctx.params.id ?? "", body, mode: "owner" });
  return json(200, { lease });
}
