import { isCrabboxError } from "../../../../errors";
import { sha256Hex } from "../../../auth/encoding";
import { GithubClient } from "../../../auth/github/client";
import { githubConfig } from "../../../auth/github/config";
import { verifyGithubUser } from "../../../auth/github/verify-user";
import type { PublicRequestContext } from "../../../context";
import { pendingLogin } from "../../../routes/auth/github/fleet-logins";
import { errorPage, safeReturnTo } from "../../context";
import { newNonce, redirect } from "../../response";
import {
  clearCookie,
  loginCookie,
  mintSession,
  sessionCookie,
  sessionLifetimeSeconds,
  setCookie,
  singleCookie,
} from "../../session";
import { portalCallbackUrl } from "./login";

function parseLoginCookie(value: string | undefined): { binder: string; returnTo: string } | undefined {
  if (!value) return undefined;
  const dot = value.indexOf(".");
  const binder = dot < 0 ? value : value.slice(0, dot);
  if (!/^[0-9a-f]{64}$/.test(binder)) return undefined;
  let returnTo = "/portal";
  try {
    returnTo = safeReturnTo(dot < 0 ? undefined : decodeURIComponent(value.slice(dot + 1)));
  } catch {
    returnTo = "/portal";
  }
  return { binder, returnTo };
}

/**
 * `GET /v1/auth/github/callback/portal?code&state`: GitHub sends the browser here. The code is
 * exchanged and org membership checked exactly as for the CLI; the verified identity is then
 * collected with this browser's binder (the pending login's poll secret), so a callback link
 * opened in another browser logs nobody in. Success sets the session cookie and returns to
 * the page that asked for login. The GitHub access token is used only inside this request.
 */
export async function portalLoginCallback(request: Request, ctx: PublicRequestContext): Promise<Response> {
  const nonce = newNonce();
  const failed = (status: number, message: string) => {
    const response = errorPage(status, "Login failed", message, nonce);
    response.headers.append("set-cookie", clearCookie(loginCookie));
    return response;
  };
  let config: ReturnType<typeof githubConfig>;
  try {
    config = githubConfig(ctx.env);
  } catch {
    return failed(503, "GitHub login is not configured on this coordinator.");
  }
  const binding = parseLoginCookie(singleCookie(request, loginCookie));
  if (!binding)
    return failed(400, "This browser did not start the login (or it took too long). Log in again.");
  const query = new URL(request.url).searchParams;
  const state = query.get("state") ?? "";
  const claimed = state
    ? await pendingLogin(ctx.env, { op: "claim", state, now: ctx.now })
    : { op: "not_found" as const };
  if (claimed.op !== "claimed")
    return failed(400, "This login link has expired or was already used. Log in again.");
  const { loginID } = claimed;
  const code = query.get("code");
  if (query.get("error") || !code) {
    await pendingLogin(ctx.env, { op: "fail", loginID, message: "not authorized", now: ctx.now });
    return failed(400, "GitHub did not authorize the login.");
  }
  try {
    const client = new GithubClient(config);
    const accessToken = await client.exchangeCode(code, portalCallbackUrl(ctx, request));
    const identity = await verifyGithubUser(client, accessToken, config);
    await pendingLogin(ctx.env, { op: "complete", loginID, identity, now: Date.now() });
  } catch (error) {
    const message = isCrabboxError(error) ? error.message : "GitHub login could not be completed.";
    await pendingLogin(ctx.env, { op: "fail", loginID, message, now: Date.now() });
    return failed(isCrabboxError(error) && error.code === "forbidden" ? 403 : 502, message);
  }
  const collected = await pendingLogin(ctx.env, {
    op: "poll",
    loginID,
    pollSecretHash: await sha256Hex(binding.binder),
    now: Date.now(),
  });
  if (collected.op !== "poll" || collected.status !== "complete") {
    return failed(403, "This login was started in another browser. Log in again from this one.");
  }
  const session = await mintSession(collected.identity, config.sessionSecret, Date.now());
  return redirect(binding.returnTo, 302, [
    setCookie(sessionCookie, session, sessionLifetimeSeconds),
    clearCookie(loginCookie),
  ]);
}
