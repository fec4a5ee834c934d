/**
 * Property: whatever JSON a client sends to any request schema, the pipeline answers 200 or a
 * 400 that names the problem — never a 500.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  GithubLoginPollRequest,
  GithubLoginStartRequest,
  HeartbeatRequest,
  LeaseRequest,
  ReleaseRequest,
  RunCreateRequest,
  RunEventInput,
  RunFinishRequest,
  RunTelemetryRequest,
  ShareDeleteRequest,
  SharePutRequest,
} from "../../../src/api";
import { parseJson } from "../../../src/worker/http/body";
import { json } from "../../../src/worker/http/json";
import { buildRouter } from "../../../src/worker/router";
import { adminToken, bearer, coordinatorEnv } from "./worker-call";

const schemas: Record<string, z.ZodType> = {
  LeaseRequest,
  HeartbeatRequest,
  ReleaseRequest,
  SharePutRequest,
  ShareDeleteRequest,
  RunCreateRequest,
  RunEventInput,
  RunTelemetryRequest,
  RunFinishRequest,
  GithubLoginStartRequest,
  GithubLoginPollRequest,
};

const router = buildRouter([
  (r) => {
    for (const [name, schema] of Object.entries(schemas)) {
      r.post(`/t/${name}`, async (request) => json(200, await parseJson(request, schema)));
    }
  },
]);

/** Objects that use the schemas' own field names with random values, plus arbitrary JSON. */
const fieldNames = [
  ...new Set(
    Object.values(schemas).flatMap((schema) =>
      "shape" in schema ? Object.keys((schema as unknown as z.ZodObject).shape) : [],
    ),
  ),
];
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom("cbx_abcdef123456", "", "2222", "use", "manage", "stdout", "0".repeat(64), null),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 3 }),
);
const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...fieldNames), value, { maxKeys: 8 }),
  fc.jsonValue({ maxDepth: 3 }),
);

describe("client mistakes", () => {
  it("are 400s naming the problem, never 500s, for every request schema", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(schemas)), body, async (name, payload) => {
        const res = await router.fetch(
          new Request(`https://coordinator.test/t/${name}`, {
            method: "POST",
            headers: bearer(adminToken, { "content-type": "application/json" }),
            body: JSON.stringify(payload),
          }),
          coordinatorEnv(),
        );
        expect([200, 400]).toContain(res.status);
        if (res.status === 400) {
          const error = (await res.json()) as { error: string; message: string; field: string };
          expect(error.error).toMatch(/^invalid_/);
          expect(typeof error.message).toBe("string");
          expect(typeof error.field).toBe("string");
        }
      }),
      { numRuns: 400 },
    );
  });
});
