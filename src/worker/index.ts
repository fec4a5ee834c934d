import type { Env } from "./env";

export type { Env } from "./env";
export { FleetDurableObject } from "./fleet";

export default {
  async fetch(_request: Request, _env: Env): Promise<Response> {
    return Response.json({ error: "not_found" }, { status: 404 });
  },
} satisfies ExportedHandler<Env>;
