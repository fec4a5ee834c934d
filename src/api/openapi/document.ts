/**
 * The OpenAPI 3.1 document of the coordinator, generated from `operations.ts`: every schema is
 * the route's own zod schema converted with zod 4's `z.toJSONSchema` (JSON Schema 2020-12,
 * OpenAPI 3.1's dialect) — requests as their input type, answers as their output type — so
 * there is no second, hand-written copy of the contract (docs/api.md, "OpenAPI").
 */
import { sessionCookie } from "../../worker/portal/session";
import { Components, componentRef, type Json, jsonSchema } from "./components";
import { type Access, type Answer, type Operation, operations } from "./operations";
import { routeErrorsByStatus, takesIdempotencyKey } from "./route-errors";

const security: Record<Access, Json[] | undefined> = {
  none: [],
  bearer: [{ bearerAuth: [] }],
  admin: [{ bearerAuth: [] }],
  portal: [{ portalSession: [] }],
};

function content(answer: Answer, components: Components, example: unknown): Json | undefined {
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
      return {
        "application/json": {
          schema: components.refer(jsonSchema(answer, "output")),
          ...(example !== undefined ? { example } : {}),
        },
      };
  }
}

/** One answer per error status the route can give, naming its codes (route-errors.ts). */
function errorResponses(op: Operation): Json {
  const out: Json = {};
  for (const [status, codes] of routeErrorsByStatus(op)) {
    out[String(status)] = {
      description: `Error; \`error\` is one of: ${codes.join(", ")}`,
      content: {
        "application/json": {
          schema: { allOf: [componentRef("Error")], properties: { error: { enum: codes } } },
          example: { error: codes[0], message: `${codes[0]} (example)` },
        },
      },
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
  if (takesIdempotencyKey(op)) {
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

function operation(op: Operation, components: Components, maxBodyBytes: number | undefined): Json {
  const responses: Json = {};
  const successes = Object.keys(op.responses)
    .map(Number)
    .filter((status) => status < 300);
  for (const [status, answer] of Object.entries(op.responses)) {
    const example = Number(status) === successes[0] ? op.examples?.response : undefined;
    const body = content(answer, components, example);
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
            ...(maxBodyBytes !== undefined
              ? {
                  description: `At most ${maxBodyBytes} bytes; a larger body is \`413 body_too_large\``,
                  "x-maxBodyBytes": maxBodyBytes,
                }
              : {}),
            content: {
              "application/json": {
                schema: jsonSchema(op.body, "input"),
                ...(op.examples?.request !== undefined ? { example: op.examples.request } : {}),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

/**
 * The document; `bodyCaps` gives each route's body cap by `method path`, as the Worker's
 * registrars set them (`registeredBodyCaps` of src/worker/http/body-caps.ts, filled by buildRouter).
 */
export function openApiDocument(bodyCaps: ReadonlyMap<string, number> = new Map()): Json {
  const components = new Components();
  const paths: Record<string, Json> = {};
  for (const op of operations) {
    const path = openApiPath(op.path);
    paths[path] = {
      ...(paths[path] ?? {}),
      [op.method]: operation(op, components, bodyCaps.get(`${op.method} ${op.path}`)),
    };
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
      schemas: components.schemas,
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
