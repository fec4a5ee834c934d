/**
 * Local sign-in for the zero-config stack, which has no GitHub OAuth app (docs/portal.md,
 * "Local sign-in"). `crabbox dev portal` asks, with the stack's admin token, for a one-time link;
 * opening it signs the browser in as the stack's admin. The link is single use (a pending
 * login claimed on first open) and lives 5 minutes. Outside the local stack both routes are
 * 404, exactly like a route that does not exist (`local-login-gate.ts`).
 */
import { randomHex } from "../../../../domain/ids";
import { CrabboxError } from "../../../../errors";
import { sha256Hex } from "../../../auth/encoding";
import type { PublicRequestContext, RequestContext } from "../../../context";
import { envString } from "../../../env";
import { requireAdmin } from "../../../fleet/admin/gate";
import { json } from "../../../http/json";
import { pendingLogin } from "../../../routes/auth/github/fleet-logins";
import { errorPage } from "../../context";
import { localAdminLogin, localLoginEnabled } from "../../local-login-gate";
import { newNonce, redirect } from "../../response";
import { mintSession, sessionCookie, sessionLifetimeSeconds, setCookie } from "../../session";

export const localLoginPath = "/portal/local-login";
export const localLinkLifetimeMs = 5 * 60_000;

const noSuchRoute = () => json(404, { error: "not_found", message: "no such route" });

/** `POST /v1/local/portal-link` (admin): a one-time portal sign-in link for this stack. */
export async function localPortalLink(request: Request, ctx: RequestContext): Promise<Response> {
  if (!localLoginEnabled(ctx.env, request)) return noSuchRoute();
  requireAdmin(ctx.identity);
  const code = `local_${randomHex(32)}`;
  const started = await pendingLogin(ctx.env, {
    op: "start",
    loginID: `login_${randomHex(16)}`,
    state: code,
    // Nobody polls a local link: the hash of a secret no one holds.
    pollSecretHash: await sha256Hex(randomHex(32)),
    now: ctx.now,
    lifetimeMs: localLinkLifetimeMs,
    cap: 100,
    capPerClient: 10,
  });
  if (started.op !== "started") throw new CrabboxError("internal", "the sign-in link was not recorded");
  const url = new URL(localLoginPath, request.url);
  url.searchParams.set("code", code);
  return json(201, { url: url.toString(), expiresAt: new Date(started.expiresAt).toISOString() });
}

/** `GET /portal/local-login?code=`: signs this browser in once, as the stack's admin. */
export async function localLogin(request: Request, ctx: PublicRequestContext): Promise<Response> {
  if (!localLoginEnabled(ctx.env, request)) return noSuchRoute();
  const code = new URL(request.url).searchParams.get("code") ?? "";
  const claimed = /^local_[0-9a-f]{64}$/.test(code)
    ? await pendingLogin(ctx.env, { op: "claim", state: code, now: ctx.now })
    : { op: "not_found" as const };
  if (claimed.op !== "claimed") {
    return errorPage(
      400,
      "Login failed",
      "This sign-in link has expired or was already used. Run crabbox dev portal again.",
      newNonce(),
    );
  }
  const identity = {
    owner: "admin@localhost",
    org: envString(ctx.env, "CRABBOX_DEFAULT_ORG") ?? "local",
    login: localAdminLogin,
  };
  await pendingLogin(ctx.env, { op: "complete", loginID: claimed.loginID, identity, now: ctx.now });
  const session = await mintSession(identity, envString(ctx.env, "CRABBOX_SESSION_SECRET") ?? "", ctx.now);
  return redirect("/portal", 302, [setCookie(sessionCookie, session, sessionLifetimeSeconds)]);
}
