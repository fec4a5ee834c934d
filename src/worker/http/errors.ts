/**
 * Error → response mapping. `CrabboxError` carries its own status and safe details; a stray
 * zod error is still a client mistake (400); anything else is a 500 whose body says nothing
 * about internals — the detail goes to the log with the request id only.
 */
import { z } from "zod";
import { isCrabboxError } from "../../errors";
import { json } from "./json";
import { validationError } from "./validation";

export function errorResponse(error: unknown, requestId: string): Response {
  if (isCrabboxError(error)) return json(error.httpStatus, error.toJSON());
  if (error instanceof z.ZodError) {
    const mapped = validationError(error, "body");
    return json(mapped.httpStatus, mapped.toJSON());
  }
  const kind = error instanceof Error ? error.name : typeof error;
  console.error(`request ${requestId} failed: unexpected ${kind}`);
  return json(500, { error: "internal", message: `internal error (request ${requestId})` });
}
