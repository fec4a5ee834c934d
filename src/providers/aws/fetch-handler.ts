/**
 * The transport under the EC2 client: the platform's fetch (Workers or Node) with the shared
 * deadline and bounded retries. EC2 throttles with `RequestLimitExceeded` on 503; that is
 * retried like a 429. The SDK's own retries are switched off so there is one policy.
 */
import type { HttpHandlerOptions, HttpRequest, HttpResponse, RequestHandler } from "@smithy/types";
import { type AnswerKind, type RetryPolicy, retryingFetch } from "../retrying-fetch";

export type Ec2RequestHandler = RequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions>;

export function ec2FetchHandler(fetchImpl: typeof fetch, policy: RetryPolicy): Ec2RequestHandler {
  return {
    async handle(request: HttpRequest, options?: HttpHandlerOptions) {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(request.query ?? {})) {
        for (const v of Array.isArray(value) ? value : [value]) if (v !== null) query.append(key, v);
      }
      const port = request.port ? `:${request.port}` : "";
      const search = query.size > 0 ? `?${query}` : "";
      const url = `${request.protocol}//${request.hostname}${port}${request.path}${search}`;
      const body =
        typeof request.body === "string" || request.body instanceof Uint8Array ? request.body : undefined;
      const headers = { ...request.headers };
      // fetch sets these itself; forwarding them breaks in workerd.
      delete headers.host;
      delete headers["content-length"];
      const response = await retryingFetch(
        () => ({ url, init: { method: request.method, headers, ...(body === undefined ? {} : { body }) } }),
        {
          fetch: fetchImpl,
          policy,
          label: `aws ${actionOf(body)}`,
          signal: options?.abortSignal as AbortSignal | undefined,
          classify: classifyEc2Answer,
        },
      );
      const result: HttpResponse = {
        statusCode: response.status,
        reason: undefined,
        headers: Object.fromEntries(response.headers),
        body: new TextEncoder().encode(response.body),
      };
      return { response: result };
    },
  };
}

function actionOf(body: unknown): string {
  const text =
    typeof body === "string" ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : "";
  return new URLSearchParams(text).get("Action") ?? "request";
}

const transientCodes = ["InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable"];

/** EC2 throttles with 503 RequestLimitExceeded and reports capacity shortages as 500: not retried here. */
export function classifyEc2Answer(status: number, body: string): AnswerKind {
  if (status === 429 || body.includes("<Code>RequestLimitExceeded</Code>")) return "throttle";
  if (status < 500) return "final";
  const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
  return code === undefined || transientCodes.includes(code) ? "transient" : "final";
}
