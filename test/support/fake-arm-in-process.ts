/**
 * Routes `fetch` to an in-process ARM fake, for workerd tests (which cannot open a loopback
 * server): the real SDK clients and token requests reach `fake` through the isolate's fetch.
 */
import { AzureProvider, type AzureProviderInput, type AzureProviderOptions } from "../../src/providers/azure";
import type { FakeArm } from "./fake-arm-core";

export const fakeArmHost = "https://arm.fake.test";
export const fakeLoginHost = "https://login.fake.test";

export function fakeArmFetch(fake: FakeArm, realFetch: typeof fetch): typeof fetch {
  return async (input, init) => {
    const request = new Request(input as RequestInfo, init as RequestInit);
    const text = request.body ? new TextDecoder().decode(await request.arrayBuffer()) : "";
    if (request.url.startsWith(fakeLoginHost)) {
      const answer = fake.handleToken(text);
      return Response.json(answer.body, { status: answer.status });
    }
    if (!request.url.startsWith(fakeArmHost)) return realFetch(input, init);
    const answer = fake.handle(
      request.method,
      request.url,
      request.headers.get("authorization") ?? undefined,
      text ? JSON.parse(text) : undefined,
      {
        ifMatch: request.headers.get("if-match") ?? undefined,
        ifNoneMatch: request.headers.get("if-none-match") ?? undefined,
      },
    );
    if (!answer) return new Promise<Response>(() => {});
    const body = answer.body === undefined ? null : JSON.stringify(answer.body);
    return new Response(body, {
      status: answer.status,
      headers: { ...(answer.headers ?? {}), ...(body ? { "content-type": "application/json" } : {}) },
    });
  };
}

/** The real AzureProvider against the in-process fake (after `fakeArmFetch`), test-sized timings. */
export function azureOnFakeArm(
  fake: FakeArm,
  overrides: Partial<AzureProviderInput> = {},
  options: AzureProviderOptions = {},
): AzureProvider {
  return new AzureProvider(
    {
      subscriptionId: fake.subscriptionId,
      tenantId: fake.tenantId,
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      armEndpoint: fakeArmHost,
      loginEndpoint: fakeLoginHost,
      pollIntervalMs: 5,
      deleteRetryDelayMs: 10,
      retry: { maxRetries: 2, retryDelayMs: 5, maxRetryDelayMs: 20 },
      ...overrides,
    },
    options,
  );
}
