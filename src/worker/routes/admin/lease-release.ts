import type { RequestContext } from "../../context";
import { requireAdmin } from "../../fleet/admin/gate";
import { runUseCase } from "../../fleet/call";
import { input } from "../../fleet/leases/release";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `POST /v1/admin/leases/{id-or-slug}/release`: release any lease. */
export async function adminReleaseLease(request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const body = await parseJson(request, input.shape.body, { optional: true });
  const lease = await runUseCase(ctx, "leases.release", { ref: ctx.params.id ?? "", body, mode: "admin" });
  return json(200, { lease });
}
