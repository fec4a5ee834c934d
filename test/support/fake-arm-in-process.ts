/**
 * Routes `fetch` to an in-process ARM fake, for workerd tests (which cannot open a loopback
 * server): the real SDK clients and token requests reach `fake` through the isolate's fetch.
 */
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
