/**
 * Building blocks of the wire schemas. Runtime-neutral: imported by the Worker and by the CLI.
 *
 * Conventions every schema follows:
 * - unknown fields are dropped (zod's default object behaviour);
 * - a wrong type is a 400 naming the field (see `src/worker/http/validation.ts`);
 * - `null` where the reference's Go client sends nil slices/maps is read as "absent";
 * - a refinement may carry `params: { code }` to answer with a specific error code that the
 *   reference's clients look for (e.g. `invalid_lease_id`).
 */
import { z } from "zod";
import { isLeaseId } from "../domain/ids";

/** Treats an explicit JSON `null` like an omitted field. */
export function nullAsAbsent<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema.optional());
}

export const leaseIdField = z.string().refine(isLeaseId, {
  message: "must be cbx_ followed by 12 lowercase hex digits",
  params: { code: "invalid_lease_id" },
});

export const isoTimestamp = z.string().describe("ISO-8601 UTC timestamp, e.g. 2026-11-28T12:00:00.000Z");

/** Port as the reference sends it: a string ("2222"); numbers are accepted and read as strings. */
export const portField = z
  .union([z.string().regex(/^\d{1,5}$/, "must be a port number"), z.number().int().min(1).max(65535)])
  .transform((value) => String(value));

/** Positive integer page size from a query string; values above `max` are clamped to `max`. */
export function limitParam(defaultLimit: number, max: number) {
  return z.coerce
    .number()
    .int("must be an integer")
    .min(1, "must be at least 1")
    .transform((value) => Math.min(value, max))
    .default(defaultLimit);
}

/** Non-negative integer cursor (`after`) from a query string. */
export const afterParam = z.coerce
  .number()
  .int("must be an integer")
  .min(0, "must not be negative")
  .default(0);

export const shareRole = z.enum(["use", "manage"]);
export type ShareRole = z.infer<typeof shareRole>;
