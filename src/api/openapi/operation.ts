/** The shape of one route table entry (docs/api.md#openapi-get-v1openapijson). */
import type { z } from "zod";
import type { ErrorCode } from "../../errors";

export type Method = "get" | "post" | "put" | "delete";
/** `bearer`: admin, shared or user token; `admin`: the admin token; `portal`: the session cookie. */
export type Access = "none" | "bearer" | "admin" | "portal";

export type Answer = z.ZodType | "text" | "html" | "metrics" | "redirect";

export interface Operation {
  method: Method;
  /** The router's path, `:name` for parameters. */
  path: string;
  summary: string;
  tag: "leases" | "runs" | "usage" | "admin" | "auth" | "webhooks" | "portal" | "meta";
  access: Access;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The body may be left out (an empty body is `{}`). */
  bodyOptional?: boolean;
  responses: Record<number, Answer>;
  /** Codes the use case answers beyond those the route's shape implies (route-errors.ts). */
  errors?: ErrorCode[];
  /**
   * A request body and the first success answer as examples; test/api/openapi.unit.test.ts
   * parses each with the route's own schema, so an example cannot drift from the contract.
   */
  examples?: { request?: unknown; response?: unknown };
}
