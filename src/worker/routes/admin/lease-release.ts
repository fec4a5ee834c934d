import { ReleaseRequest } from "../../../api/leases";
import type { RequestContext } from "../../context";
import { requireAdmin } from "../../fleet/admin-gate";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `POST /v1/admin/leases/{id-or-slug}/release`: release any lease. */
export async function adminReleaseLease(request: Request, ctx: RequestContext): Promise<Response> {
  requireAdmin(ctx.identity);
  const body = await parseJson(request, ReleaseRequest, { optional: true });
  const lease = unwrap(
    await fleetStub(ctx.env).releaseLease(callerOf(ctx), ctx.params.id ?? "", body, "admin"),
  );
  return json(200, { lease });
}
