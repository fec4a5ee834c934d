import type { RequestContext } from "../../context";
import { requireAdmin } from "../../fleet/admin/gate";
import { runUseCase } from "../../fleet/call";
import { json } from "../../http/json";

/**
 * `POST /v1/admin/leases/{id-or-slug}/delete`: ends the lease if it is live and deletes its
 * machine, even one kept by a `keep` release.
 */
export async function adminDeleteLease(_request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const ref = ctx.params.id ?? "";
  const lease = await runUseCase(ctx, "leases.release", {
    ref,
    body: { delete: true },
    mode: "admin-delete",
  });
  return json(200, { lease });
}
