/**
 * GitHub login configuration from the Worker's environment. Login is available only when
 * the OAuth app (client id + secret), the token signing secret and at least one allowed org
 * are configured; otherwise the login routes answer 503 `github_oauth_not_configured`.
 */
import { CrabboxError } from "../../../errors";
import { type Env, envInteger, envString } from "../../env";
import { defaultTokenLifetimeSeconds } from "../signed-token";

export interface GithubConfig {
  clientId: string;
  clientSecret: string;
  sessionSecret: string;
  webUrl: string;
  apiUrl: string;
  /** Allowed orgs, lowercased, in preference order. */
  orgs: string[];
  /** Allowed teams as `org/slug`, lowercased (a bare slug means "in the member's org"). */
  teams: string[];
  maxPendingLogins: number;
  maxPendingLoginsPerClient: number;
  tokenLifetimeSeconds: number;
}

/** Pending login lifetime, as in the reference. */
export const loginLifetimeMs = 10 * 60 * 1000;
/** Every call to GitHub gives up after this long. */
export const githubTimeoutMs = 10_000;
export const githubScopes = "read:user user:email read:org";

function list(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== "");
}

function baseUrl(raw: string | undefined, fallback: string): string {
  return (raw ?? fallback).replace(/\/+$/, "");
}

export function githubConfig(env: Env): GithubConfig {
  const clientId = envString(env, "CRABBOX_GITHUB_CLIENT_ID");
  const clientSecret = envString(env, "CRABBOX_GITHUB_CLIENT_SECRET");
  const sessionSecret = envString(env, "CRABBOX_SESSION_SECRET");
  const orgs = list(envString(env, "CRABBOX_GITHUB_ORG") ?? envString(env, "CRABBOX_DEFAULT_ORG"));
  if (!clientId || !clientSecret || !sessionSecret || orgs.length === 0) {
    throw new CrabboxError("github_oauth_not_configured", "GitHub OAuth is not configured");
  }
  return {
    clientId,
    clientSecret,
    sessionSecret,
    webUrl: baseUrl(envString(env, "CRABBOX_GITHUB_WEB_URL"), "https://github.com"),
    apiUrl: baseUrl(envString(env, "CRABBOX_GITHUB_API_URL"), "https://api.github.com"),
    orgs,
    teams: list(envString(env, "CRABBOX_GITHUB_TEAM")),
    maxPendingLogins: envInteger(env, "CRABBOX_GITHUB_MAX_PENDING_LOGINS", 100, 1, 100_000),
    maxPendingLoginsPerClient: envInteger(
      env,
      "CRABBOX_GITHUB_MAX_PENDING_LOGINS_PER_CLIENT",
      10,
      1,
      100_000,
    ),
    tokenLifetimeSeconds: envInteger(
      env,
      "CRABBOX_USER_TOKEN_TTL_SECONDS",
      defaultTokenLifetimeSeconds,
      3600,
      365 * 24 * 3600,
    ),
  };
}

/** Where GitHub sends the browser back: the public origin (or this request's) + the callback path. */
export function callbackUrl(env: Env, request: Request): string {
  const origin = envString(env, "CRABBOX_PUBLIC_URL") ?? new URL(request.url).origin;
  return `${origin.replace(/\/+$/, "")}/v1/auth/github/callback`;
}
