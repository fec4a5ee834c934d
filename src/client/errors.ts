/**
 * Failed calls of the public client (docs/api.md, "Typed client"): every non-2xx answer becomes
 * the one `CrabboxError`, with the coordinator's own stable code when it sent one this client
 * knows, and otherwise the code its HTTP status stands for.
 */
import { CrabboxError, type ErrorCode, errorCodes } from "../errors";

/** What a failed call carries besides its code and message. */
export interface ClientErrorDetails {
  /** The HTTP status; absent when no answer came (timeout, no connection). */
  status?: number;
  /** The `error` the coordinator sent, also when this client does not know it. */
  wireCode?: string;
  /** The field, query parameter or header the coordinator named (`invalid_request` and friends). */
  field?: string;
}

/**
 * A failure of a client call as a discriminated union on `code`: in `switch (error.code)` each
 * case is one stable error code of docs/api.md's "Error codes" table.
 */
export type ClientError = {
  [C in ErrorCode]: CrabboxError & { readonly code: C; readonly details: ClientErrorDetails };
}[ErrorCode];

/** The answer a hint reads: the CLI adds the command that fixes a failure (src/cli/coordinator/hints.ts). */
export interface FailedAnswer {
  code: ErrorCode;
  method: string;
  path: string;
  status: number;
  body: Record<string, unknown>;
}

export type ErrorHint = (answer: FailedAnswer) => string | undefined;

function codeForStatus(status: number): ErrorCode {
  if (status === 400 || status === 413 || status === 422) return "invalid_request";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404 || status === 410) return "not_found";
  if (status === 409) return "illegal_transition";
  if (status === 429) return "rate_limited";
  if (status === 504) return "timeout";
  return "provider_error";
}

function parseBody(bodyText: string): Record<string, unknown> {
  try {
    const body = JSON.parse(bodyText) as unknown;
    return body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A non-2xx answer as a CrabboxError: the coordinator's own code when it sent one we know. */
export function errorFromResponse(
  method: string,
  path: string,
  status: number,
  bodyText: string,
  hint?: ErrorHint,
): ClientError {
  const body = parseBody(bodyText);
  const wireCode = typeof body.error === "string" ? body.error : "";
  const code: ErrorCode = wireCode in errorCodes ? (wireCode as ErrorCode) : codeForStatus(status);
  const message = typeof body.message === "string" ? body.message : wireCode || bodyText.slice(0, 600).trim();
  const advice = hint?.({ code, method, path, status, body });
  const text = `coordinator ${method} ${path}: ${message || `http ${status}`} (http ${status}${wireCode ? ` ${wireCode}` : ""})${advice ? `; ${advice}` : ""}`;
  const details: ClientErrorDetails = {
    status,
    ...(wireCode ? { wireCode } : {}),
    ...(typeof body.field === "string" ? { field: body.field } : {}),
  };
  return new CrabboxError(code, text, { ...details }) as ClientError;
}
