import type { HealthResponse } from "../../api";
import type { PublicRequestContext } from "../context";
import { json } from "../http/json";

/** `GET /v1/health`: public liveness, as the reference answers it. */
export async function health(_request: Request, _ctx: PublicRequestContext): Promise<Response> {
  const body: HealthResponse = { ok: true, service: "crabbox-coordinator" };
  return json(200, body);
}
