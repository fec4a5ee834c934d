/**
 * The coordinator client's HTTP requests (the CLI's, and on Node the package's), over `node:http`/`node:https` instead of the global
 * `fetch`. Node loads its bundled undici on the first `fetch` (or first touch of `Response`,
 * `Headers`, ...): on this project's 2-core machines that costs 50-250 ms of a warm
 * `crabbox run`, more than the request itself (docs/sync.md, "Inner loop"). The built-ins are
 * taken with `process.getBuiltinModule`, not an ESM import, whose facade would read every lazy
 * export of `node:http` and load undici anyway.
 *
 * Only what the coordinator client needs: a method, headers, an optional text body, no
 * redirects followed, an abort signal, and the whole answer as text.
 */

export interface HttpAnswer {
  status: number;
  ok: boolean;
  text(): Promise<string>;
}

export interface HttpInit {
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Never followed: the answer of a 3xx is returned as it is. */
  redirect: "manual";
  signal: AbortSignal;
}

/** What the client sends requests with; the global `fetch` fits it too (tests pass their own). */
export type HttpFetch = (url: URL, init: HttpInit) => Promise<HttpAnswer>;

export const nodeHttpFetch: HttpFetch = (url, init) =>
  new Promise<HttpAnswer>((resolve, reject) => {
    const { signal } = init;
    // Rejects with the signal's reason (a TimeoutError from AbortSignal.timeout), as fetch does.
    const fail = (error: unknown) => reject(signal.aborted ? signal.reason : error);
    if (signal.aborted) return fail(signal.reason);
    const http =
      url.protocol === "https:"
        ? process.getBuiltinModule("node:https")
        : process.getBuiltinModule("node:http");
    // fetch sends a user agent; some edge setups (Cloudflare's browser integrity check) refuse
    // a request without one.
    const headers: Record<string, string> = { "user-agent": "crabbox-cli", ...init.headers };
    if (init.body !== undefined) headers["content-length"] = String(Buffer.byteLength(init.body));
    const request = http.request(url, { method: init.method, headers, signal }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", fail);
      response.on("end", () => {
        const status = response.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status, ok: status >= 200 && status < 300, text: async () => text });
      });
    });
    request.on("error", fail);
    request.end(init.body);
  });

/**
 * What the client sends with by default: `node:http(s)` on Node, the global `fetch` on other
 * runtimes (Deno, Bun, workers), where the package's client may run too (docs/api.md, "Typed
 * client"). The global is read only there: on Node, touching it would load undici.
 */
export const defaultHttpFetch: HttpFetch =
  typeof process !== "undefined" && typeof process.getBuiltinModule === "function"
    ? nodeHttpFetch
    : (url, init) => globalThis.fetch(url, init);
