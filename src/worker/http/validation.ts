/**
 * Turns zod failures into the client-facing 400: the error names the first offending field
 * (dotted path) so that a client mistake is always a 4xx that says what to fix.
 */
import type { z } from "zod";
import { CrabboxError, type ErrorCode, errorCodes } from "../../errors";

export type InputLocation = "body" | "query" | "header" | "path";

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(errorCodes, value);
}

/**
 * `code` overrides the default `invalid_request` for every issue of this input (the reference
 * answers some routes with their own code, e.g. `invalid_poll`); a refinement's
 * `params.code` wins over both, so one field can carry e.g. `invalid_lease_id`.
 */
export function validationError(error: z.ZodError, location: InputLocation, code?: ErrorCode): CrabboxError {
  const issue = error.issues[0];
  if (!issue) return new CrabboxError(code ?? "invalid_request", `invalid ${location}`);
  const field = fieldPath(issue.path);
  const issueCode =
    issue.code === "custom" ? (issue.params as { code?: unknown } | undefined)?.code : undefined;
  const chosen = isErrorCode(issueCode) ? issueCode : (code ?? "invalid_request");
  const where = field ? `${location} field ${field}` : location;
  return new CrabboxError(chosen, `${where}: ${issue.message}`, field ? { field } : { field: location });
}
