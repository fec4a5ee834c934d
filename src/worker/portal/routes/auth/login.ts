import { randomHex } from "../../../../domain/ids";
import { isCrabboxError } from "../../../../errors";
import { sha256Hex } from "../../../auth/encoding";
import { githubConfig, githubScopes, loginLifetimeMs } from "../../../auth/github/config";
import type { PublicRequestContext } from "../../../context";
import { envString } from "../../../env";
import { pendingLogin } from "../../../routes/auth/github/fleet-logins";
import { errorPage, safeReturnTo } from "../../context";
import { newNonce, redirect } from "../../response";
import { loginCookie, setCookie } from "../../session";

/** The portal's GitHub callback: a subdirectory of the CLI's, so one OAuth app callback URL covers both. */
export const portalCallbackPath = "/v1/auth/github/callback/portal";

export function portalCallbackUrl(ctx: PublicRequestContext, request: Request): string {
  const origin = envString(ctx.env, "CRABBOX_PUBLIC_URL") ?? new URL(request.url).origin;
  return `${origin.replace(/\/+$/, "")}${portalCallbackPath}`;
}

/**
 * `GET /portal/login?returnTo=/portal/…`: starts the GitHub browser flow. A random binder goes
 * into a short-lived host-only cookie and only its hash into the pending login (as the poll
 * secret), so only this browser can finish the login the callback completes.
 */
export async function portalLogin(request: Request, ctx: PublicRequestContext): Promise<Response> {
  const nonce = newNonce();
  let config: ReturnType<typeof githubConfig>;
  try {
    config = githubConfig(ctx.env);
  } catch {
    return errorPage(503, "Login unavailable", "GitHub login is not configured on this coordinator.", nonce);
  }
  const returnTo = safeReturnTo(new URL(request.url).searchParams.get("returnTo"));
  const binder = randomHex(32);
  const state = `state_${randomHex(16)}`;
  try {
    await pendingLogin(ctx.env, {
      op: "start",
      loginID: `login_${randomHex(16)}`,
      state,
      pollSecretHash: await sha256Hex(binder),
      now: ctx.now,
      lifetimeMs: loginLifetimeMs,
      cap: config.maxPendingLogins,
      ...(ctx.clientIp ? { clientIp: ctx.clientIp } : {}),
      capPerClient: config.maxPendingLoginsPerClient,
    });
  } catch (error) {
    if (isCrabboxError(error)) return errorPage(error.httpStatus, "Login unavailable", error.message, nonce);
    throw error;
  }
  const authorize = new URL(`${config.webUrl}/login/oauth/authorize`);
  authorize.searchParams.set("client_id", config.clientId);
  authorize.searchParams.set("redirect_uri", portalCallbackUrl(ctx, request));
  authorize.searchParams.set("scope", githubScopes);
  authorize.searchParams.set("state", state);
  const cookieValue = `${binder}.${encodeURIComponent(returnTo)}`;
  return redirect(authorize.toString(), 302, [setCookie(loginCookie, cookieValue, loginLifetimeMs / 1000)]);
}
