import type { WhoamiResponse } from "../../api";
import type { RequestContext } from "../context";
import { json } from "../http/json";

/** `GET /v1/whoami`: echoes the resolved identity (never the token). */
export async function whoami(_request: Request, ctx: RequestContext): Promise<Response> {
  const { identity } = ctx;
  const body: WhoamiResponse = {
    owner: identity.owner,
    org: identity.org,
    auth: identity.kind === "github" ? "github" : "bearer",
    admin: identity.admin,
    kind: identity.kind,
  };
  if (identity.login) body.login = identity.login;
  if (identity.accessVerified) body.accessVerified = true;
  return json(200, body);
}
