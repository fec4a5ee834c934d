import type { Env } from "./env";

/** Which credential authenticated the caller. */
export type CredentialKind = "admin" | "shared" | "github";

/**
 * Who is calling, as resolved by the Worker from the bearer token. Client-supplied identity
 * headers (`X-Crabbox-Owner`/`-Org`) are read only for admin and shared tokens; a GitHub user
 * token's identity comes from its signed payload alone.
 */
export interface Identity {
  kind: CredentialKind;
  admin: boolean;
  /** Owner e-mail (or GitHub noreply address) the lease and run records carry. */
  owner: string;
  org: string;
  /** GitHub login for user tokens. */
  login?: string;
  /** True when the owner came from a verified Cloudflare Access JWT. */
  accessVerified?: boolean;
}

/** What every route handler receives besides the request. */
export interface PublicRequestContext {
  env: Env;
  /** ULID of this request; lands in event meta as the request id and in `x-request-id`. */
  requestId: string;
  /** Coordinator clock, unix ms, read once per request. */
  now: number;
  /** Path parameters of the matched route, URI-decoded (e.g. `{ id: "blue-lobster" }`). */
  params: Record<string, string>;
  /** `Idempotency-Key` header, validated. */
  idempotencyKey?: string;
  /** `CF-Connecting-IP` when present (AWS SSH CIDR default). */
  clientIp?: string;
}

/** Context of an authenticated route: the identity is always set by the Worker. */
export interface RequestContext extends PublicRequestContext {
  identity: Identity;
}
