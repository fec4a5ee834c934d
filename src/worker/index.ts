import type { Env } from "./env";
import { buildRouter } from "./router";

export type { Env } from "./env";
export { FleetDurableObject } from "./fleet";

// Routes are static: build the router once per isolate.
const router = buildRouter();

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    return router.fetch(request, env);
  },
} satisfies ExportedHandler<Env>;
