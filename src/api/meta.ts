/** Wire shapes of the routes about the coordinator itself: the Fleet round trip, the OpenAPI document, the local portal link. */
import { z } from "zod";

/** `GET /v1/fleet/health`: a round trip from the Worker into the Fleet Durable Object. */
export const FleetHealth = z.object({ ok: z.literal(true), fleet: z.string() });
export type FleetHealth = z.infer<typeof FleetHealth>;

/** `GET /v1/openapi.json`, checked only as far as a client relies on it. */
export const OpenApiDocument = z.looseObject({
  openapi: z.string(),
  info: z.object({}).loose(),
  paths: z.object({}).loose(),
});
export type OpenApiDocument = z.infer<typeof OpenApiDocument>;

/** `POST /v1/local/portal-link` on the local stack (docs/portal.md, "Local sign-in"). */
export const LocalPortalLink = z.object({ url: z.string(), expiresAt: z.string() });
export type LocalPortalLink = z.infer<typeof LocalPortalLink>;
