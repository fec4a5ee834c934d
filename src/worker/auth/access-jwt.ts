/**
 * Optional Cloudflare Access identity for bearer callers (docs/identity.md#cloudflare-access-optional): when both
 * `CRABBOX_ACCESS_TEAM_DOMAIN` and `CRABBOX_ACCESS_AUD` are set and the request carries
 * `cf-access-jwt-assertion`, a JWT verified against the team's published RS256 keys yields
 * the caller's e-mail. Any failure means "no Access identity", never an error: the bearer
 * token still decides whether the caller is in.
 */
import { base64UrlDecode } from "./encoding";

export interface AccessConfig {
  teamDomain: string;
  audience: string;
}

const certsTimeoutMs = 5_000;
/** Keys are re-fetched after this long so that rotated keys are picked up. */
const keyCacheMs = 60 * 60 * 1000;
const keyCache = new Map<string, { key: CryptoKey; fetchedAt: number }>();

/** `https://team.cloudflareaccess.com/anything` → `team.cloudflareaccess.com`. */
export function normalizeTeamDomain(raw: string): string {
  return raw
    .trim()
    .replace(/^https?:\/\//i, "")
    .replace(/\/.*$/, "");
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  const bytes = base64UrlDecode(part);
  if (!bytes) return undefined;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function signingKey(team: string, kid: string, nowMs: number): Promise<CryptoKey | undefined> {
  const cacheKey = `${team}:${kid}`;
  const cached = keyCache.get(cacheKey);
  if (cached && nowMs - cached.fetchedAt < keyCacheMs) return cached.key;
  const response = await fetch(`https://${team}/cdn-cgi/access/certs`, {
    signal: AbortSignal.timeout(certsTimeoutMs),
  });
  if (!response.ok) return undefined;
  const body = (await response.json()) as { keys?: Array<JsonWebKey & { kid?: string }> };
  const jwk = body.keys?.find((candidate) => candidate.kid === kid);
  if (!jwk) return undefined;
  const key = await crypto.subtle.importKey(
    "jwk",
    jwk,
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["verify"],
  );
  keyCache.set(cacheKey, { key, fetchedAt: nowMs });
  return key;
}

/** The verified e-mail of the Access JWT, or undefined. */
export async function verifyAccessJwt(
  assertion: string,
  config: AccessConfig,
  nowMs: number,
): Promise<string | undefined> {
  try {
    const team = normalizeTeamDomain(config.teamDomain);
    const [headerPart, payloadPart, signaturePart, ...rest] = assertion.split(".");
    if (!headerPart || !payloadPart || !signaturePart || rest.length > 0) return undefined;
    const header = decodeJson(headerPart);
    const claims = decodeJson(payloadPart);
    const signature = base64UrlDecode(signaturePart);
    if (!header || !claims || !signature) return undefined;
    if (header.alg !== "RS256" || typeof header.kid !== "string") return undefined;
    const key = await signingKey(team, header.kid, nowMs);
    if (!key) return undefined;
    const signed = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
    if (!(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, signed))) return undefined;
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(config.audience)) return undefined;
    if (claims.iss !== `https://${team}`) return undefined;
    const nowSeconds = nowMs / 1000;
    if (typeof claims.exp !== "number" || claims.exp <= nowSeconds) return undefined;
    if (claims.nbf !== undefined && (typeof claims.nbf !== "number" || claims.nbf > nowSeconds))
      return undefined;
    return typeof claims.email === "string" && claims.email !== "" ? claims.email : undefined;
  } catch {
    return undefined;
  }
}
