import type { Env } from "./env";

/**
 * Who is calling, as resolved by the Worker from the bearer token / cookie. Never read from
 * client-supplied identity headers except where the token kind allows naming owner and org.
 */
export interface Identity {
  kind: "admin" | "shared" | "github" | "access";
  admin: boolean;
  /** Owner e-mail or GitHub login the lease and run records carry. */
  owner: string;
  org: string;
  /** GitHub login for user tokens. */
  login?: string;
}

/** What every route handler receives besides the request. */
export interface RequestContext {
  env: Env;
  identity: Identity;
  /** ULID of this request; lands in event meta as the request id. */
  requestId: string;
  /** Coordinator clock, unix ms, read once per request. */
  now: number;
  /** `Idempotency-Key` header, validated. */
  idempotencyKey?: string;
  /** `CF-Connecting-IP` when present (AWS SSH CIDR default). */
  clientIp?: string;
}
