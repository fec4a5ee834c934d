import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/worker/env";
import worker from "../../src/worker/index";

describe("GET /v1/openapi.json", () => {
  it("serves the generated OpenAPI 3.1 document without a token", async () => {
    const res = await worker.fetch(
      new Request("https://coordinator.test/v1/openapi.json"),
      env as unknown as Env,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const document = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: Record<string, unknown> }>>;
    };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toContain("/v1/admin/webhooks/{id}");
    // The body caps as the Worker's own router registered them.
    expect(document.paths["/v1/runs/{id}/finish"]?.post?.requestBody?.["x-maxBodyBytes"]).toBe(
      24 * 1024 * 1024,
    );
  });
});
