import { GithubLoginPollRequest, type GithubLoginPollResponse } from "../../../../api";
import { sha256Hex } from "../../../auth/encoding";
import { githubConfig } from "../../../auth/github/config";
import { mintToken } from "../../../auth/signed-token";
import type { PublicRequestContext } from "../../../context";
import { parseJson } from "../../../http/body";
import { json } from "../../../http/json";
import { pendingLogin } from "./fleet-logins";

/**
 * `POST /v1/auth/github/poll {loginID, pollSecret}` (public): `pending` until the browser
 * side finishes, then — once — `complete` with a freshly minted `cbxu_` token, or `failed`
 * with the reason. Unknown or expired logins are `410 {"status":"expired"}`.
 */
export async function githubLoginPoll(request: Request, ctx: PublicRequestContext): Promise<Response> {
  const config = githubConfig(ctx.env);
  const body = await parseJson(request, GithubLoginPollRequest, { code: "invalid_poll" });
  const result = await pendingLogin(ctx.env, {
    op: "poll",
    loginID: body.loginID,
    pollSecretHash: await sha256Hex(body.pollSecret),
    now: ctx.now,
  });
  if (result.op !== "poll") return json(410, { status: "expired" } satisfies GithubLoginPollResponse);
  switch (result.status) {
    case "expired":
      return json(410, { status: "expired" } satisfies GithubLoginPollResponse);
    case "forbidden":
      return json(403, { error: "forbidden", message: "poll secret does not match this login" });
    case "pending":
      return json(200, {
        status: "pending",
        expiresAt: new Date(result.expiresAt).toISOString(),
      } satisfies GithubLoginPollResponse);
    case "failed":
      return json(400, { status: "failed", error: result.error } satisfies GithubLoginPollResponse);
    case "complete": {
      const token = await mintToken(
        "user",
        result.identity,
        config.sessionSecret,
        ctx.now,
        config.tokenLifetimeSeconds,
      );
      const response: GithubLoginPollResponse = {
        status: "complete",
        token,
        owner: result.identity.owner,
        org: result.identity.org,
        login: result.identity.login,
      };
      if (result.provider) response.provider = result.provider as NonNullable<typeof response.provider>;
      return json(200, response);
    }
  }
}
