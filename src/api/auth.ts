/**
 * Identity and GitHub login wire shapes (docs/identity.md#credentials for whoami,
 * docs/identity.md#github-login-cli-flow for the login).
 */
import { z } from "zod";
import { ProviderName } from "./leases";
import { isoTimestamp } from "./shared";

export const HealthResponse = z.object({ ok: z.literal(true), service: z.literal("crabbox-coordinator") });
export type HealthResponse = z.infer<typeof HealthResponse>;

/** How the caller authenticated, as the reference reports it: shared/admin tokens are `bearer`. */
export const AuthMode = z.enum(["bearer", "github"]);
export type AuthMode = z.infer<typeof AuthMode>;

/** `GET /v1/whoami`: the resolved identity, never the token. */
export const WhoamiResponse = z.object({
  owner: z.string(),
  org: z.string(),
  auth: AuthMode,
  admin: z.boolean(),
  /** Which credential: `admin` token, `shared` token or a `github` user token. */
  kind: z.enum(["admin", "shared", "github"]),
  login: z.string().optional(),
  /** True when the owner came from a verified Cloudflare Access JWT. */
  accessVerified: z.boolean().optional(),
});
export type WhoamiResponse = z.infer<typeof WhoamiResponse>;

/** `POST /v1/auth/github/start`: the client keeps `pollSecret`, sends its SHA-256 hex. */
export const GithubLoginStartRequest = z.object({
  pollSecretHash: z.string().refine((value) => /^[a-f0-9]{64}$/.test(value), {
    message: "must be the SHA-256 of the poll secret as 64 lowercase hex digits",
    params: { code: "invalid_poll_secret_hash" },
  }),
  provider: ProviderName.optional().catch(undefined),
});
export type GithubLoginStartRequest = z.infer<typeof GithubLoginStartRequest>;

export const GithubLoginStartResponse = z.object({
  loginID: z.string(),
  url: z.string(),
  expiresAt: isoTimestamp,
});
export type GithubLoginStartResponse = z.infer<typeof GithubLoginStartResponse>;

/** `POST /v1/auth/github/poll`; the route answers any mistake here with `invalid_poll`. */
export const GithubLoginPollRequest = z.object({
  loginID: z.string().min(1, "is required"),
  pollSecret: z.string().min(1, "is required"),
});
export type GithubLoginPollRequest = z.infer<typeof GithubLoginPollRequest>;

export const GithubLoginPollResponse = z.discriminatedUnion("status", [
  z.object({ status: z.literal("pending"), expiresAt: isoTimestamp }),
  z.object({
    status: z.literal("complete"),
    token: z.string(),
    owner: z.string(),
    org: z.string(),
    login: z.string(),
    provider: ProviderName.optional(),
  }),
  z.object({ status: z.literal("expired") }),
  z.object({ status: z.literal("failed"), error: z.string() }),
]);
export type GithubLoginPollResponse = z.infer<typeof GithubLoginPollResponse>;
