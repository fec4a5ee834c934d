/**
 * The stable error codes each route can answer (docs/api.md, "OpenAPI"), with their HTTP status
 * from the one table in src/errors.ts. Codes that follow from the route's shape (its access, its
 * body, query and path parameters, Idempotency-Key) are derived; what its use case adds is
 * listed in the route's `errors`. The bad-input property suite fails when a route answers a code
 * that is not in its list.
 */
import { type ErrorCode, errorCodes } from "../../errors";
import type { Operation } from "./operation";

/** POSTs under /v1/ with a token, lease create aside, honour an Idempotency-Key (docs/api.md, "Idempotency-Key"). */
export function takesIdempotencyKey(op: Operation): boolean {
  return op.method === "post" && op.access !== "none" && op.access !== "portal" && op.path !== "/v1/leases";
}

/** Every code the route can answer, in the order of src/errors.ts. */
export function routeErrors(op: Operation): ErrorCode[] {
  const codes = new Set<ErrorCode>(["internal", ...(op.errors ?? [])]);
  if (op.access === "bearer" || op.access === "admin") {
    // A missing or unknown token; an identity header the token may not use or that is malformed.
    codes.add("unauthorized").add("forbidden").add("invalid_request");
  }
  // Every body is counted against its route's cap while it is read, a portal form's too.
  if (op.method !== "get") codes.add("body_too_large");
  if (op.body || (op.path.startsWith("/v1/") && op.method !== "get"))
    codes.add("invalid_request").add("invalid_json");
  if (op.query) codes.add("invalid_request");
  if (op.path.includes(":")) codes.add("not_found").add("invalid_request");
  if (takesIdempotencyKey(op)) codes.add("invalid_request").add("idempotency_key_reused");
  return (Object.keys(errorCodes) as ErrorCode[]).filter((code) => codes.has(code));
}

/** The route's codes by HTTP status. */
export function routeErrorsByStatus(op: Operation): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of routeErrors(op)) {
    const status = errorCodes[code].http;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}
