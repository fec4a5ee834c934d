import type { RequestContext } from "../../context";
import { runUseCase } from "../../fleet/call";
import { input } from "../../fleet/leases/events";
import { json } from "../../http/json";
import { parseQuery } from "../../http/query";

/** `GET /v1/leases/{id-or-slug}/events`: the lease's own event stream (owner, manager or admin). */
export async function leaseEvents(request: Request, ctx: RequestContext): Promise<Response> {
  const query = parseQuery(request, input.shape.query);
  return json(200, await runUseCase(ctx, "leases.events", { ref: ctx.params.id ?? "", query }));
}
