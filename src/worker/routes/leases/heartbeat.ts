import { HeartbeatRequest } from "../../../api/leases";
import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `POST /v1/leases/{id-or-slug}/heartbeat`: touch, maybe a new idle timeout, maybe telemetry. */
export async function heartbeatLease(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, HeartbeatRequest, { optional: true });
  const lease = unwrap(await fleetStub(ctx.env).heartbeatLease(callerOf(ctx), ctx.params.id ?? "", body));
  return json(200, { lease });
}
