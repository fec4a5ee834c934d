import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument, openApiPath } from "../../src/api/openapi/document";
import { operations } from "../../src/api/openapi/operations";
import { type CrabboxRouter, defaultRegistrars, registerCoreRoutes } from "../../src/worker/router";

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
    expect(documentedRoutes(openApiDocument())).toEqual(routes);
    expect(operations.length).toBe(routes.length);
  });

  it("is a valid OpenAPI 3.1 document by the specification's own schema", async () => {
    const validator = new Validator();
    const result = await validator.validate(openApiDocument());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    // The validator is not kind: a parameter that does not say where it goes is refused.
    const broken = structuredClone(openApiDocument()) as { paths: Record<string, Record<string, object>> };
    broken.paths["/v1/health"] = { get: { parameters: [{ name: "x" }], responses: {} } };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("carries the router's own zod bounds, parameters and security schemes", () => {
    const document = openApiDocument() as {
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
});
