/**
 * The one error type of Crabbox. Every failure that crosses a boundary (HTTP response,
 * CLI exit, event-store outcome) carries a stable `code`; the code alone decides the HTTP
 * status and the CLI exit code, so the two surfaces never disagree.
 */

export const errorCodes = {
  // client mistakes
  invalid_request: { http: 400, exit: 2 },
  /** The body is not UTF-8 JSON (invalid UTF-8 bytes or unparsable JSON). */
  invalid_json: { http: 400, exit: 2 },
  body_too_large: { http: 413, exit: 2 },
  unsupported: { http: 400, exit: 2 },
  usage: { http: 400, exit: 2 },
  config: { http: 400, exit: 2 },
  invalid_lease_id: { http: 400, exit: 2 },
  invalid_telemetry: { http: 400, exit: 2 },
  invalid_poll: { http: 400, exit: 2 },
  invalid_poll_secret_hash: { http: 400, exit: 2 },
  // identity
  unauthorized: { http: 401, exit: 3 },
  forbidden: { http: 403, exit: 3 },
  // lookup
  not_found: { http: 404, exit: 4 },
  ambiguous: { http: 409, exit: 4 },
  // state and idempotency
  lease_id_conflict: { http: 409, exit: 2 },
  idempotency_key_reused: { http: 422, exit: 2 },
  version_conflict: { http: 409, exit: 1 },
  lease_ended: { http: 409, exit: 2 },
  run_ended: { http: 409, exit: 2 },
  illegal_transition: { http: 409, exit: 2 },
  slug_conflict: { http: 409, exit: 2 },
  // guardrails
  cost_limit_exceeded: { http: 429, exit: 2 },
  rate_limited: { http: 429, exit: 1 },
  login_rate_limited: { http: 429, exit: 3 },
  // the user stopped the command (Ctrl-C, SIGTERM, SIGHUP); 499: the client went away
  interrupted: { http: 499, exit: 130 },
  // outside world
  timeout: { http: 504, exit: 5 },
  provider_error: { http: 502, exit: 1 },
  capacity_unavailable: { http: 503, exit: 1 },
  github_oauth_not_configured: { http: 503, exit: 3 },
  github_unavailable: { http: 502, exit: 1 },
  sync_failed: { http: 500, exit: 6 },
  ssh_failed: { http: 502, exit: 7 },
  /** `run --require-artifact` matched nothing (the command itself succeeded). */
  artifact_missing: { http: 422, exit: 8 },
  internal: { http: 500, exit: 1 },
} as const satisfies Record<string, { http: number; exit: number }>;

export type ErrorCode = keyof typeof errorCodes;

export class CrabboxError extends Error {
  override readonly name = "CrabboxError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Safe, secret-free details for the client (e.g. the offending field). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  get httpStatus(): number {
    return errorCodes[this.code].http;
  }

  get exitCode(): number {
    return errorCodes[this.code].exit;
  }

  /** The wire shape: `{"error": code, "message": ..., ...details}` as the reference's clients read it. */
  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.details };
  }
}

export function isCrabboxError(value: unknown): value is CrabboxError {
  return value instanceof CrabboxError || (value as { name?: unknown } | null)?.name === "CrabboxError";
}
