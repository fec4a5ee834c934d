/** Query strings validated by a wire schema (first value of each repeated key). */
import type { z } from "zod";
import type { ErrorCode } from "../../errors";
import { validationError } from "./validation";

export function parseQuery<S extends z.ZodType>(request: Request, schema: S, code?: ErrorCode): z.infer<S> {
  const params: Record<string, string> = {};
  for (const [key, value] of new URL(request.url).searchParams) {
    if (!Object.hasOwn(params, key)) params[key] = value;
  }
  const result = schema.safeParse(params);
  if (!result.success) throw validationError(result.error, "query", code);
  return result.data;
}
