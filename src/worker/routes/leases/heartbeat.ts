import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { input } from "../../fleet/leases/heartbeat";
import { parseJson } from "../../http/body";
import { json } from "../../http/json";

/** `POST /v1/leases/{id-or-slug}/heartbeat`: touch, maybe a new idle timeout, maybe telemetry. */
export async function heartbeatLease(request: Request, ctx: RequestContext): Promise<Response> {
  const body = await parseJson(request, input.shape.body, { optional: true });
  return json(200, { lease: await runUseCase(ctx, "leases.heartbeat", { ref: ctx.params.id ?? "", body }) });
}
