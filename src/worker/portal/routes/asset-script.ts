import type { PublicRequestContext } from "../../context";
import { portalScript } from "../assets/portal-script";

/** `GET /portal/assets/portal.js`: the enhancement script (public: it holds no data). */
export async function portalScriptAsset(_request: Request, _ctx: PublicRequestContext): Promise<Response> {
  return new Response(portalScript, {
    status: 200,
    headers: {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=300",
      "x-content-type-options": "nosniff",
    },
  });
}
