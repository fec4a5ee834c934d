import type { RequestContext } from "../../context";
import { requireAdmin } from "../../fleet/admin-gate";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { json } from "../../http/json";

/**
 * `POST /v1/admin/leases/{id-or-slug}/delete`: ends the lease if it is live and deletes its
 * machine, even one kept by a `keep` release.
 */
export async function adminDeleteLease(_request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const lease = unwrap(
    await fleetStub(ctx.env).releaseLease(
      callerOf(ctx),
      ctx.params.id ?? "",
      { delete: true },
      "admin-delete",
    ),
  );
  return json(200, { lease });
}
