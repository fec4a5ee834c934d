/**
 * The OpenAPI 3.1 document of the coordinator, generated from `operations.ts`: every schema is
 * the route's own zod schema converted with zod 4's `z.toJSONSchema` (JSON Schema 2020-12,
 * OpenAPI 3.1's dialect) — requests as their input type, answers as their output type — so
 * there is no second, hand-written copy of the contract (docs/api.md, "OpenAPI").
 */
import { z } from "zod";
import { errorCodes } from "../../errors";
import { sessionCookie } from "../../worker/portal/session";
import { ErrorBody } from "../errors";
import { type Access, type Answer, type Operation, operations } from "./operations";

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  }) as Json;
  return rest;
}

const security: Record<Access, Json[] | undefined> = {
  none: [],
  bearer: [{ bearerAuth: [] }],
  admin: [{ bearerAuth: [] }],
  portal: [{ portalSession: [] }],
};

function content(answer: Answer): Json | undefined {
  switch (answer) {
    case "text":
      return { "text/plain": { schema: { type: "string" } } };
    case "html":
      return { "text/html": { schema: { type: "string" } } };
    case "metrics":
      return { "text/plain; version=0.0.4": { schema: { type: "string" } } };
    case "redirect":
      return undefined;
    default:
      return { "application/json": { schema: jsonSchema(answer, "output") } };
  }
}

/** The stable error codes answering with each status, for the error responses' descriptions. */
function codesByStatus(): Map<number, string[]> {
  const byStatus = new Map<number, string[]>();
  for (const [code, { http }] of Object.entries(errorCodes))
    byStatus.set(http, [...(byStatus.get(http) ?? []), code]);
  return byStatus;
}

function errorResponses(op: Operation): Json {
  const byStatus = codesByStatus();
  const statuses = [400, 404, 409, 413, 422, 429, 500, 502, 503, 504];
  if (op.access !== "none") statuses.push(401);
  if (op.access === "admin") statuses.push(403);
  const out: Json = {};
  for (const status of statuses.sort()) {
    out[String(status)] = {
      description: `Error; \`error\` is one of: ${(byStatus.get(status) ?? ["internal"]).join(", ")}`,
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  }
  return out;
}

function parameters(op: Operation): Json[] {
  const out: Json[] = [];
  for (const [, name] of op.path.matchAll(/:([A-Za-z]+)/g)) {
    out.push({ name, in: "path", required: true, schema: { type: "string" } });
  }
  if (op.query) {
    const schema = jsonSchema(op.query, "input") as {
      properties?: Record<string, Json>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      out.push({ name, in: "query", required: (schema.required ?? []).includes(name), schema: property });
    }
  }
  if (op.method === "post" && op.access !== "none" && op.access !== "portal" && op.path !== "/v1/leases") {
    out.push({
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description: "1–255 visible ASCII; a retry with the same key gets the first answer back",
      schema: { type: "string", minLength: 1, maxLength: 255 },
    });
  }
  return out;
}

export const openApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, "{$1}");

function operation(op: Operation): Json {
  const responses: Json = {};
  for (const [status, answer] of Object.entries(op.responses)) {
    const body = content(answer);
    responses[status] = { description: op.summary, ...(body ? { content: body } : {}) };
  }
  Object.assign(responses, errorResponses(op));
  const params = parameters(op);
  return {
    operationId: `${op.method}${openApiPath(op.path)
      .replace(/[{}]/g, "")
      .replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
    summary: op.summary,
    tags: [op.tag],
    security: security[op.access],
    ...(params.length ? { parameters: params } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: !op.bodyOptional,
            content: { "application/json": { schema: jsonSchema(op.body, "input") } },
          },
        }
      : {}),
    responses,
  };
}

export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const op of operations) {
    const path = openApiPath(op.path);
    paths[path] = { ...(paths[path] ?? {}), [op.method]: operation(op) };
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "Crabbox coordinator API",
      version: "1",
      description:
        "Leases, runs, usage, audit, metrics and signed webhooks of a Crabbox coordinator. See docs/api.md.",
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: "/" }],
    tags: ["leases", "runs", "usage", "admin", "webhooks", "auth", "portal", "meta"].map((name) => ({
      name,
    })),
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorBody, "output") },
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description:
            "The admin token, the shared token (owner and org in X-Crabbox-Owner / X-Crabbox-Org) or a GitHub user token (cbxu_…)",
        },
        portalSession: {
          type: "apiKey",
          in: "cookie",
          name: sessionCookie,
          description: "The portal's session cookie",
        },
      },
    },
  };
}
