/**
 * Resolves the caller's identity from the bearer token (docs/identity.md#credentials,
 * docs/identity.md#signed-tokens). Checked in
 * order: admin token, shared operator token, signed GitHub user token. Identity headers are
 * honoured only for admin and shared tokens; a user token's identity is its signed payload.
 */
import { CrabboxError } from "../../errors";
import type { Identity } from "../context";
import { type Env, envString } from "../env";
import { verifyAccessJwt } from "./access-jwt";
import { bearerToken } from "./bearer";
import { constantTimeEqual } from "./constant-time";
import { identityHeader } from "./identity-headers";
import { sanitizeOrg, sanitizeOwner } from "./org";
import { tokenKindOf, verifyToken } from "./signed-token";

async function matches(token: string, configured: string | undefined): Promise<boolean> {
  return configured !== undefined && (await constantTimeEqual(token, configured));
}

async function accessEmail(request: Request, env: Env, nowMs: number): Promise<string | undefined> {
  const teamDomain = envString(env, "CRABBOX_ACCESS_TEAM_DOMAIN");
  const audience = envString(env, "CRABBOX_ACCESS_AUD");
  const assertion = request.headers.get("cf-access-jwt-assertion");
  if (!teamDomain || !audience || !assertion) return undefined;
  return verifyAccessJwt(assertion, { teamDomain, audience }, nowMs);
}

function defaultOrg(env: Env): string {
  return sanitizeOrg(envString(env, "CRABBOX_DEFAULT_ORG")) ?? "unknown";
}

export async function resolveIdentity(request: Request, env: Env, nowMs: number): Promise<Identity> {
  const token = bearerToken(request);
  if (!token) throw new CrabboxError("unauthorized", "a bearer token is required");

  // Both comparisons always run, so timing does not reveal which token was close.
  const [isAdmin, isShared] = await Promise.all([
    matches(token, envString(env, "CRABBOX_ADMIN_TOKEN")),
    matches(token, envString(env, "CRABBOX_SHARED_TOKEN")),
  ]);
  if (isAdmin || isShared) {
    const verifiedEmail = await accessEmail(request, env, nowMs);
    const identity: Identity = {
      kind: isAdmin ? "admin" : "shared",
      admin: isAdmin,
      owner:
        sanitizeOwner(verifiedEmail) ??
        sanitizeOwner(identityHeader(request, "x-crabbox-owner")) ??
        "unknown",
      org: sanitizeOrg(identityHeader(request, "x-crabbox-org")) ?? defaultOrg(env),
    };
    if (verifiedEmail) identity.accessVerified = true;
    return identity;
  }

  if (tokenKindOf(token) === "user") {
    const claims = await verifyToken("user", token, envString(env, "CRABBOX_SESSION_SECRET"), nowMs);
    if (claims)
      return { kind: "github", admin: false, owner: claims.owner, org: claims.org, login: claims.login };
  }
  throw new CrabboxError(
    "unauthorized",
    "the bearer token is not valid (unknown, expired or not an API token)",
  );
}
