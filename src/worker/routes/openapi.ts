import { openApiDocument } from "../../api/openapi/document";
import type { PublicRequestContext } from "../context";
import { registeredBodyCaps } from "../http/body-caps";
import { json } from "../http/json";

let cached: unknown;

/** `GET /v1/openapi.json`: the generated OpenAPI 3.1 document (public, like the reference's health). */
export async function openApi(_request: Request, _ctx: PublicRequestContext): Promise<Response> {
  // Served only after the router registered every route, so every body cap is known.
  cached ??= openApiDocument(registeredBodyCaps);
  return json(200, cached);
}
