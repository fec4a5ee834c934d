import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument, openApiPath } from "../../src/api/openapi/document";
import { operations } from "../../src/api/openapi/operations";
import { routeErrors } from "../../src/api/openapi/route-errors";
import { errorCodes } from "../../src/errors";
import { registeredBodyCaps } from "../../src/worker/http/body-caps";
import {
  buildRouter,
  type CrabboxRouter,
  defaultRegistrars,
  registerCoreRoutes,
} from "../../src/worker/router";

/** Every route the Worker's router registers, as `METHOD /path/{param}`. */
function registeredRoutes(): string[] {
  const seen: string[] = [];
  const record = (method: string) => (path: string) => seen.push(`${method} ${openApiPath(path)}`);
  const router: CrabboxRouter = {
    get: record("get"),
    post: record("post"),
    put: record("put"),
    delete: record("delete"),
    public: { get: record("get"), post: record("post") },
  };
  registerCoreRoutes(router);
  for (const register of defaultRegistrars) register(router);
  return seen.sort();
}

/** The document as the Worker serves it: after its router registered every route and body cap. */
function coordinatorOpenApiDocument(): Record<string, unknown> {
  buildRouter();
  return openApiDocument(registeredBodyCaps);
}

function documentedRoutes(document: Record<string, unknown>): string[] {
  const paths = document.paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`))
    .sort();
}

describe("the OpenAPI document", () => {
  it("documents exactly the routes the router serves, no more and no fewer", () => {
    const routes = registeredRoutes();
    expect(new Set(routes).size).toBe(routes.length);
    expect(documentedRoutes(coordinatorOpenApiDocument())).toEqual(routes);
    expect(operations.length).toBe(routes.length);
  });

  it("is a valid OpenAPI 3.1 document by the specification's own schema", async () => {
    const validator = new Validator();
    const result = await validator.validate(coordinatorOpenApiDocument());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    // The validator is not kind: a parameter that does not say where it goes is refused.
    const broken = structuredClone(coordinatorOpenApiDocument()) as {
      paths: Record<string, Record<string, object>>;
    };
    broken.paths["/v1/health"] = { get: { parameters: [{ name: "x" }], responses: {} } };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("carries the router's own zod bounds, parameters and security schemes", () => {
    const document = coordinatorOpenApiDocument() as {
      // biome-ignore lint/suspicious/noExplicitAny: the test reads the generated JSON loosely and asserts on it
      paths: Record<string, Record<string, { requestBody?: any; parameters?: any[]; security?: unknown }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    const create = document.paths["/v1/admin/webhooks"]?.post;
    const body = create?.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(["url", "eventTypes"]);
    expect(body.properties.eventTypes.minItems).toBe(1);
    expect(body.properties.eventTypes.items.enum).toContain("LeaseRequested");
    expect(body.additionalProperties).toBe(false);
    const list = document.paths["/v1/leases"]?.get?.parameters ?? [];
    expect(list.find((p: { name: string }) => p.name === "limit")).toMatchObject({
      in: "query",
      required: false,
    });
    const get = document.paths["/v1/leases/{id}"]?.get?.parameters ?? [];
    expect(get).toContainEqual({ name: "id", in: "path", required: true, schema: { type: "string" } });
    expect(document.paths["/v1/admin/metrics"]?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths["/v1/health"]?.get?.security).toEqual([]);
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(["bearerAuth", "portalSession"]);
  });

  it("gives an example of every JSON request body and of the main answers, each one its schema accepts", () => {
    const withoutExample = operations.filter((op) => op.body && op.examples?.request === undefined);
    expect(withoutExample.map((op) => `${op.method} ${op.path}`)).toEqual([]);
    let answers = 0;
    for (const op of operations) {
      const what = `${op.method} ${op.path}`;
      if (op.examples?.request !== undefined) {
        const parsed = op.body?.safeParse(op.examples.request);
        expect(parsed?.error?.issues ?? [], what).toEqual([]);
      }
      if (op.examples?.response !== undefined) {
        const success = Object.entries(op.responses).find(([status]) => Number(status) < 300)?.[1];
        if (typeof success !== "object") throw new Error(`${what}: a response example without a JSON answer`);
        expect(success.safeParse(op.examples.response).error?.issues ?? [], what).toEqual([]);
        answers++;
      }
    }
    expect(answers).toBeGreaterThanOrEqual(12);
    const document = coordinatorOpenApiDocument() as {
      // biome-ignore lint/suspicious/noExplicitAny: the test reads the generated JSON loosely
      paths: Record<string, Record<string, any>>;
    };
    const create = document.paths["/v1/leases"]?.post;
    expect(create.requestBody.content["application/json"].example.leaseID).toBe("cbx_0123456789ab");
    expect(create.responses["200"].content["application/json"].example.lease.state).toBe("active");
  });

  it("lists each route's own error codes under their statuses from the one error table", () => {
    const document = coordinatorOpenApiDocument() as {
      // biome-ignore lint/suspicious/noExplicitAny: the test reads the generated JSON loosely
      paths: Record<string, Record<string, any>>;
    };
    const codesAt = (path: string, method: string, status: number): string[] =>
      document.paths[path]?.[method]?.responses[String(status)]?.content["application/json"].schema.properties
        .error.enum ?? [];
    expect(codesAt("/v1/leases/{id}/heartbeat", "post", 409)).toEqual(["ambiguous", "lease_ended"]);
    expect(codesAt("/v1/leases", "post", 429)).toEqual(["cost_limit_exceeded"]);
    expect(codesAt("/v1/runs/{id}/finish", "post", 422)).toEqual(["idempotency_key_reused"]);
    expect(Object.keys(document.paths["/v1/health"]?.get.responses)).toEqual(["200", "500"]);
    for (const op of operations) {
      const path = openApiPath(op.path);
      for (const code of routeErrors(op)) {
        expect(codesAt(path, op.method, errorCodes[code].http), `${op.method} ${path}`).toContain(code);
      }
    }
  });

  it("defines shared records once in components and points every $ref at one that exists", () => {
    const document = coordinatorOpenApiDocument() as { components: { schemas: Record<string, unknown> } };
    const text = JSON.stringify(document);
    const refs = new Set(
      [...text.matchAll(/"\$ref":"#\/components\/schemas\/([A-Za-z]+)"/g)].map((m) => m[1]),
    );
    expect([...refs].sort()).toEqual(Object.keys(document.components.schemas).sort());
    // The lease record is one component, not copied into each of the routes that answer it.
    expect(text.split('"telemetryHistory"').length - 1).toBe(1);
  });

  it("states each body's cap as its route registers it", () => {
    const document = coordinatorOpenApiDocument() as {
      // biome-ignore lint/suspicious/noExplicitAny: the test reads the generated JSON loosely
      paths: Record<string, Record<string, any>>;
    };
    const cap = (path: string, method: string) =>
      document.paths[path]?.[method]?.requestBody["x-maxBodyBytes"];
    expect(cap("/v1/runs/{id}/finish", "post")).toBe(24 * 1024 * 1024);
    expect(cap("/v1/auth/github/start", "post")).toBe(4096);
    expect(cap("/v1/leases", "post")).toBe(1024 * 1024);
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (op.requestBody) expect(op.requestBody["x-maxBodyBytes"], `${method} ${path}`).toBeGreaterThan(0);
      }
    }
  });
});
