import type { FleetDurableObject } from "./fleet";

/**
 * Bindings and variables of the coordinator Worker. Every variable is documented in
 * docs/deploy.md; secrets (tokens, client secrets) are set with `wrangler secret put`.
 */
export interface Env {
  FLEET: DurableObjectNamespace<FleetDurableObject>;
  /** R2 bucket of the event archive (docs/event-log.md, "Archive"); unbound: nothing is archived. */
  ARCHIVE?: R2Bucket;
  /** Admin bearer token: every lease, admin routes. */
  CRABBOX_ADMIN_TOKEN?: string;
  /** Shared operator bearer token: non-admin; callers name owner/org with headers. */
  CRABBOX_SHARED_TOKEN?: string;
  /** HMAC key for signed user tokens (`cbxu_…`) minted by GitHub login. */
  CRABBOX_SESSION_SECRET?: string;
  /** Lifetime of minted user tokens, seconds (default 30 days, 1 h … 365 d). */
  CRABBOX_USER_TOKEN_TTL_SECONDS?: string;
  /** Org for bearer callers that send no `X-Crabbox-Org`. */
  CRABBOX_DEFAULT_ORG?: string;
  /** Canonical public origin; the OAuth redirect URI is built from it. */
  CRABBOX_PUBLIC_URL?: string;
  CRABBOX_GITHUB_CLIENT_ID?: string;
  CRABBOX_GITHUB_CLIENT_SECRET?: string;
  /** Allowed GitHub org(s), comma-separated; the first active membership wins. */
  CRABBOX_GITHUB_ORG?: string;
  /** Optional allowed team(s): `slug` (in the member's org) or `org/slug`, comma-separated. */
  CRABBOX_GITHUB_TEAM?: string;
  /** GitHub web and API base URLs (tests point them at a loopback fake). */
  CRABBOX_GITHUB_WEB_URL?: string;
  CRABBOX_GITHUB_API_URL?: string;
  /** Cap on unexpired pending GitHub logins (default 100). */
  CRABBOX_GITHUB_MAX_PENDING_LOGINS?: string;
  /** Cap on unexpired pending GitHub logins per client address (default 10). */
  CRABBOX_GITHUB_MAX_PENDING_LOGINS_PER_CLIENT?: string;
  /** Cloudflare Access: both set → a verified Access JWT e-mail becomes the bearer caller's owner. */
  CRABBOX_ACCESS_TEAM_DOMAIN?: string;
  CRABBOX_ACCESS_AUD?: string;
  /** Set to `1` only by the local stack: its portal offers one-time sign-in links (docs/portal.md). */
  CRABBOX_LOCAL_PORTAL_LOGIN?: string;
  [variable: string]: unknown;
}

/** A configured, non-blank string variable, trimmed; undefined otherwise. */
export function envString(env: Env, name: keyof Env & string): string | undefined {
  const value = env[name];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** A positive integer variable within [min, max]; `fallback` when unset or invalid. */
export function envInteger(
  env: Env,
  name: keyof Env & string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = envString(env, name);
  if (raw === undefined || !/^\d+$/.test(raw)) return fallback;
  const value = Number(raw);
  return value < min || value > max ? fallback : value;
}
