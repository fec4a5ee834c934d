import { ReleaseRequest } from "../../../api/leases";
import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `POST /v1/leases/{id-or-slug}/release`: idempotent; machine deletion goes through the log. */
export async function releaseLease(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, ReleaseRequest, { optional: true });
  const lease = unwrap(
    await fleetStub(ctx.env).releaseLease(callerOf(ctx), ctx.params.id ?? "", body, "owner"),
  );
  return json(200, { lease });
}
