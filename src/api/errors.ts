/**
 * The error body every non-2xx JSON response carries: `{"error": code, "message"?, ...details}`.
 * `field` names the offending request field for validation errors.
 */
import { z } from "zod";

export const ErrorBody = z.looseObject({
  error: z.string(),
  message: z.string().optional(),
  field: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
