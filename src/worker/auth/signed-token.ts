/**
 * Signed identity tokens: `<prefix>` + base64url(JSON claims) + `.` + base64url(HMAC-SHA256).
 *
 * Each kind has its own prefix and `typ`, and the MAC covers the prefix too, so a token of
 * one kind can never be replayed as another: the bearer API accepts only `user` tokens
 * (`cbxu_`, minted by GitHub login for the CLI); `session` tokens (`cbxs_`) are reserved for
 * the portal's browser cookie and are refused on the API.
 */
import { base64UrlDecode, base64UrlEncode } from "./encoding";

export const tokenKinds = {
  user: { prefix: "cbxu_", typ: "crabbox-user" },
  session: { prefix: "cbxs_", typ: "crabbox-session" },
} as const;
export type TokenKind = keyof typeof tokenKinds;

/** Default lifetime of a user token, as in the reference: 30 days. */
export const defaultTokenLifetimeSeconds = 30 * 24 * 3600;

export interface TokenIdentity {
  owner: string;
  org: string;
  login: string;
  name?: string;
}

export interface TokenClaims extends TokenIdentity {
  typ: string;
  /** Issued at / expires, unix seconds. */
  iat: number;
  exp: number;
}

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

export function tokenKindOf(token: string): TokenKind | undefined {
  for (const kind of Object.keys(tokenKinds) as TokenKind[]) {
    if (token.startsWith(tokenKinds[kind].prefix)) return kind;
  }
  return undefined;
}

export async function mintToken(
  kind: TokenKind,
  identity: TokenIdentity,
  secret: string,
  nowMs: number,
  lifetimeSeconds = defaultTokenLifetimeSeconds,
): Promise<string> {
  if (!secret) throw new Error("token signing secret is not configured");
  const { prefix, typ } = tokenKinds[kind];
  const iat = Math.floor(nowMs / 1000);
  const claims: TokenClaims = { typ, ...identity, iat, exp: iat + lifetimeSeconds };
  const payload = base64UrlEncode(new TextEncoder().encode(JSON.stringify(claims)));
  const mac = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret),
    new TextEncoder().encode(prefix + payload),
  );
  return `${prefix}${payload}.${base64UrlEncode(new Uint8Array(mac))}`;
}

/** The claims of a valid, unexpired token of `kind`; undefined for anything else. */
export async function verifyToken(
  kind: TokenKind,
  token: string,
  secret: string | undefined,
  nowMs: number,
): Promise<TokenClaims | undefined> {
  if (!secret) return undefined;
  const { prefix, typ } = tokenKinds[kind];
  if (!token.startsWith(prefix)) return undefined;
  const body = token.slice(prefix.length);
  const dot = body.indexOf(".");
  if (dot <= 0) return undefined;
  const payload = body.slice(0, dot);
  const signature = base64UrlDecode(body.slice(dot + 1));
  if (!signature) return undefined;
  // WebCrypto's verify compares the MAC in constant time.
  const valid = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    signature,
    new TextEncoder().encode(prefix + payload),
  );
  if (!valid) return undefined;
  const decoded = base64UrlDecode(payload);
  if (!decoded) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(decoded));
  } catch {
    return undefined;
  }
  if (!isClaims(claims) || claims.typ !== typ) return undefined;
  if (claims.exp * 1000 <= nowMs) return undefined;
  return claims;
}

function isClaims(value: unknown): value is TokenClaims {
  if (typeof value !== "object" || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.typ === "string" &&
    typeof c.owner === "string" &&
    c.owner !== "" &&
    typeof c.org === "string" &&
    c.org !== "" &&
    typeof c.login === "string" &&
    c.login !== "" &&
    (c.name === undefined || typeof c.name === "string") &&
    typeof c.iat === "number" &&
    typeof c.exp === "number" &&
    Number.isFinite(c.exp)
  );
}
