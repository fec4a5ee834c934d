/**
 * The coordinator client's requests go over node:http instead of fetch (undici costs a warm
 * run up to a quarter of a second to load; docs/sync.md, "Inner loop"). It must answer like
 * fetch where the client relies on it: the body and status as sent, no redirect followed, a
 * timeout rejected as a TimeoutError, an abort with its reason, a refused port as an error.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeHttpFetch } from "../../src/client/http-fetch";

const seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[] = [];
let base = "";
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => (body += chunk));
  req.on("end", () => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    if (req.url === "/hang") return;
    if (req.url === "/moved") return res.writeHead(302, { location: "https://elsewhere.example/" }).end();
    res.writeHead(req.url === "/missing" ? 404 : 201, { "content-type": "application/json" });
    res.end(JSON.stringify({ echo: body, url: req.url }));
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const init = (extra: Partial<Parameters<typeof nodeHttpFetch>[1]> = {}) => ({
  method: "GET",
  headers: {},
  redirect: "manual" as const,
  signal: AbortSignal.timeout(5000),
  ...extra,
});

describe("the coordinator client's node:http requests", () => {
  it("send the method, headers and a unicode body with its byte length, and return status and text", async () => {
    const body = JSON.stringify({ name: "krabbe 🦀 ü" });
    const answer = await nodeHttpFetch(
      new URL(`${base}/v1/things?q=1`),
      init({
        method: "POST",
        headers: { authorization: "Bearer t", "content-type": "application/json" },
        body,
      }),
    );
    expect(answer.status).toBe(201);
    expect(answer.ok).toBe(true);
    expect(JSON.parse(await answer.text())).toEqual({ echo: body, url: "/v1/things?q=1" });
    const request = seen.at(-1)!;
    expect(request.method).toBe("POST");
    expect(request.headers.authorization).toBe("Bearer t");
    expect(request.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(request.headers["user-agent"]).toBe("crabbox-cli");
  });

  it("return a 4xx as an answer, not an error", async () => {
    const answer = await nodeHttpFetch(new URL(`${base}/missing`), init());
    expect(answer.status).toBe(404);
    expect(answer.ok).toBe(false);
  });

  it("never follow a redirect", async () => {
    const answer = await nodeHttpFetch(new URL(`${base}/moved`), init());
    expect(answer.status).toBe(302);
  });

  it("reject a request that outlives its timeout with the TimeoutError fetch would give", async () => {
    const error = await nodeHttpFetch(
      new URL(`${base}/hang`),
      init({ signal: AbortSignal.timeout(200) }),
    ).catch((e: Error) => e);
    expect((error as Error).name).toBe("TimeoutError");
  });

  it("reject an aborted request with the abort's reason, before and during the request", async () => {
    const reason = new Error("interrupted by the user");
    const before = new AbortController();
    before.abort(reason);
    await expect(nodeHttpFetch(new URL(`${base}/v1/x`), init({ signal: before.signal }))).rejects.toBe(
      reason,
    );
    const during = new AbortController();
    const hangsBefore = seen.filter((s) => s.url === "/hang").length;
    const pending = nodeHttpFetch(new URL(`${base}/hang`), init({ signal: during.signal }));
    // aborted once the server holds the request, not on a guess of how long that takes
    while (seen.filter((s) => s.url === "/hang").length === hangsBefore) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    during.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it("reject a refused connection with an error that names it", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await nodeHttpFetch(new URL(`http://127.0.0.1:${port}/`), init()).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });
});
