import { GithubLoginStartRequest, type GithubLoginStartResponse } from "../../../../api";
import { randomHex } from "../../../../domain/ids";
import { CrabboxError } from "../../../../errors";
import { callbackUrl, githubConfig, githubScopes, loginLifetimeMs } from "../../../auth/github/config";
import type { PublicRequestContext } from "../../../context";
import { parseJson } from "../../../http/body";
import { json } from "../../../http/json";
import { pendingLogin } from "./fleet-logins";

/**
 * `POST /v1/auth/github/start` (public): records a pending login bound to the hash of the
 * client's poll secret and answers with the GitHub authorize URL to open in a browser.
 */
export async function githubLoginStart(request: Request, ctx: PublicRequestContext): Promise<Response> {
  const config = githubConfig(ctx.env);
  const body = await parseJson(request, GithubLoginStartRequest, { code: "invalid_poll_secret_hash" });
  const loginID = `login_${randomHex(16)}`;
  const state = `state_${randomHex(16)}`;
  const started = await pendingLogin(ctx.env, {
    op: "start",
    loginID,
    state,
    pollSecretHash: body.pollSecretHash,
    ...(body.provider ? { provider: body.provider } : {}),
    now: ctx.now,
    lifetimeMs: loginLifetimeMs,
    cap: config.maxPendingLogins,
    ...(ctx.clientIp ? { clientIp: ctx.clientIp } : {}),
    capPerClient: config.maxPendingLoginsPerClient,
  });
  if (started.op !== "started") throw new CrabboxError("internal", "pending login was not recorded");
  const url = new URL(`${config.webUrl}/login/oauth/authorize`);
  url.searchParams.set("client_id", config.clientId);
  url.searchParams.set("redirect_uri", callbackUrl(ctx.env, request));
  url.searchParams.set("scope", githubScopes);
  url.searchParams.set("state", state);
  const response: GithubLoginStartResponse = {
    loginID,
    url: url.toString(),
    expiresAt: new Date(started.expiresAt).toISOString(),
  };
  return json(200, response);
}
