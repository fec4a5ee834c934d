/**
 * Portal sessions. The browser holds `__Host-crabbox_session` (host-only, HttpOnly, Secure,
 * SameSite=Lax, Path=/) carrying a signed `session` token (`cbxs_`), a type the bearer API
 * refuses; a CLI `cbxu_` token placed in the cookie is refused here in turn. Admin is never a
 * claim in the token: it is granted at request time from `CRABBOX_GITHUB_ADMIN_LOGINS`, so
 * removing a login from that list takes effect on the next request.
 */

import { mintToken, type TokenIdentity, verifyToken } from "../auth/signed-token";
import type { Identity } from "../context";
import { type Env, envString } from "../env";
import { localAdminLogin, localLoginEnabled } from "./local-login-gate";

export const sessionCookie = "__Host-crabbox_session";
/** Binds a GitHub login in progress to the browser that started it (10 minutes). */
export const loginCookie = "__Host-crabbox_login";
export const sessionLifetimeSeconds = 7 * 24 * 3600;

/**
 * Every value of cookie `name` in the request. Several values mean a cookie was planted
 * beside ours (for example on a parent path); callers treat that as no session at all.
 */
export function cookieValues(request: Request, name: string): string[] {
  const header = request.headers.get("cookie");
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim());
  }
  return values;
}

/** The one value of cookie `name`, or undefined when absent or ambiguous. */
export function singleCookie(request: Request, name: string): string | undefined {
  const values = cookieValues(request, name);
  return values.length === 1 && values[0] !== "" ? values[0] : undefined;
}

export function setCookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${maxAgeSeconds}`;
}

export function clearCookie(name: string): string {
  return `${name}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`;
}

export function mintSession(identity: TokenIdentity, secret: string, nowMs: number): Promise<string> {
  return mintToken("session", identity, secret, nowMs, sessionLifetimeSeconds);
}

function adminLogins(env: Env): Set<string> {
  return new Set(
    (envString(env, "CRABBOX_GITHUB_ADMIN_LOGINS") ?? "")
      .split(",")
      .map((login) => login.trim().toLowerCase())
      .filter((login) => login !== ""),
  );
}

/** The signed-in portal user, or undefined (no cookie, several, forged, expired or not a session token). */
export async function sessionIdentity(
  request: Request,
  env: Env,
  nowMs: number,
): Promise<Identity | undefined> {
  const token = singleCookie(request, sessionCookie);
  if (!token) return undefined;
  const claims = await verifyToken("session", token, envString(env, "CRABBOX_SESSION_SECRET"), nowMs);
  if (!claims) return undefined;
  return {
    kind: "github",
    // The local stack's one-time sign-in is its admin; nowhere else (local-login-gate.ts).
    admin:
      adminLogins(env).has(claims.login.toLowerCase()) ||
      (claims.login === localAdminLogin && localLoginEnabled(env, request)),
    owner: claims.owner,
    org: claims.org,
    login: claims.login,
  };
}
