import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { input } from "../../fleet/leases/create";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/**
 * `POST /v1/leases`: 201 once the machine is provisioned, 202 with the `provisioning` lease when
 * the provider takes longer than the wait deadline (the client then polls `GET /v1/leases/{id}`),
 * 200 when the same request under the same `leaseID` was already answered.
 */
export async function createLease(request: Request, ctx: RequestContext): Promise<Response> {
  const created = await runUseCase(ctx, "leases.create", await parseJson(request, input));
  return json(created.status, { lease: created.lease });
}
