import type { RequestContext } from "../context";
import { fleetStub } from "../fleet/rpc";
import { json } from "../http/json";

/**
 * `GET /v1/fleet/health`: a round trip through the Worker (auth) into the Fleet Durable
 * Object and back, doing nothing there — the reference's DO-level health answer. It is also
 * the baseline the heartbeat benchmark compares against.
 */
export async function fleetHealth(_request: Request, ctx: RequestContext): Promise<Response> {
  await fleetStub(ctx.env).ping();
  return json(200, { ok: true, fleet: "default" });
}
