import { LeaseRequest } from "../../../api/leases";
import type { RequestContext } from "../../context";
import { callerOf, fleetStub, unwrap } from "../../fleet/rpc";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/**
 * `POST /v1/leases`: 201 once the machine is provisioned, 202 with the `provisioning` lease when
 * the provider takes longer than the wait deadline (the client then polls `GET /v1/leases/{id}`),
 * 200 when the same request under the same `leaseID` was already answered.
 */
export async function createLease(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, LeaseRequest);
  const created = unwrap(await fleetStub(ctx.env).createLease(callerOf(ctx), body));
  return json(created.status, { lease: created.lease });
}
