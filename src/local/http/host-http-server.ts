import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CrabboxError, isCrabboxError } from "../../errors";
import { sleep } from "../../time/sleep";
import { parseLabelSelector } from "../label-selector";
import type { MachineHost } from "../machine-host";
import { authorizeKeyRequest, updateLabelsRequest } from "../wire";

const maxBodyBytes = 64 * 1024;

/**
 * The machine host's loopback HTTP API, shaped like a small cloud:
 * `POST /v1/machines`, `GET /v1/machines?label_selector=k=v,…`, `GET|PATCH|DELETE /v1/machines/{id}`,
 * `PUT /v1/machines/{id}/authorized-key` (a pool machine's hand-over to its lease),
 * `GET /v1/health` (the only route without the bearer token). Errors are `{"error", "message"}`.
 */
export class HostHttpServer {
  private readonly server: Server;

  /**
   * `answerCreatesAfterMs`: answer a create only this long after the machine exists, like a
   * cloud whose create call returns once the server is up (a window in which the machine
   * exists and its lease is still provisioning; `CRABBOX_LOCAL_CREATE_ANSWER_MS`).
   */
  constructor(
    private readonly host: MachineHost,
    private readonly token: string,
    private readonly answerCreatesAfterMs = 0,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error) => respondError(res, error));
    });
  }

  /** Listens on 127.0.0.1 (port 0 picks one) and resolves with the base URL. */
  listen(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once("error", onError);
      this.server.listen(port, "127.0.0.1", () => {
        this.server.off("error", onError);
        resolve(`http://127.0.0.1:${(this.server.address() as AddressInfo).port}`);
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    if (url.pathname === "/v1/health" && method === "GET") return respond(res, 200, { ok: true });
    this.authorize(req);
    if (url.pathname === "/v1/machines") {
      if (method === "GET") {
        const selector = parseLabelSelector(url.searchParams.get("label_selector"));
        return respond(res, 200, { machines: this.host.list(selector) });
      }
      if (method === "POST") {
        const { machine, created } = await this.host.create((await readJson(req)) as never);
        if (this.answerCreatesAfterMs > 0) await sleep(this.answerCreatesAfterMs);
        return respond(res, created ? 201 : 200, { machine });
      }
      throw new CrabboxError("not_found", `no route ${method} ${url.pathname}`);
    }
    const keyRoute = /^\/v1\/machines\/([A-Za-z0-9_-]{1,64})\/authorized-key$/.exec(url.pathname);
    if (keyRoute?.[1] && method === "PUT") {
      const parsed = authorizeKeyRequest.safeParse(await readJson(req));
      if (!parsed.success)
        throw new CrabboxError("invalid_request", "sshPublicKey: expected an OpenSSH public key", {
          field: "sshPublicKey",
        });
      const machine = await this.host.authorizeKey(keyRoute[1], parsed.data.sshPublicKey);
      if (!machine) throw new CrabboxError("not_found", `machine ${keyRoute[1]} not found`);
      return respond(res, 200, { machine });
    }
    const match = /^\/v1\/machines\/([A-Za-z0-9_-]{1,64})$/.exec(url.pathname);
    if (!match?.[1]) throw new CrabboxError("not_found", `no route ${method} ${url.pathname}`);
    const id = match[1];
    const gone = () => new CrabboxError("not_found", `machine ${id} not found`);
    switch (method) {
      case "GET": {
        const machine = this.host.get(id);
        if (!machine) throw gone();
        return respond(res, 200, { machine });
      }
      case "PATCH": {
        const parsed = updateLabelsRequest.safeParse(await readJson(req));
        if (!parsed.success)
          throw new CrabboxError("invalid_request", "labels: expected an object of strings", {
            field: "labels",
          });
        const machine = await this.host.updateLabels(id, parsed.data.labels);
        if (!machine) throw gone();
        return respond(res, 200, { machine });
      }
      case "DELETE": {
        if (!(await this.host.delete(id))) throw gone();
        return respond(res, 200, { deleted: id });
      }
      default:
        throw new CrabboxError("not_found", `no route ${method} ${url.pathname}`);
    }
  }

  private authorize(req: IncomingMessage): void {
    const header = req.headers.authorization ?? "";
    const offered = Buffer.from(header.startsWith("Bearer ") ? header.slice(7) : "");
    const expected = Buffer.from(this.token);
    if (offered.length !== expected.length || !timingSafeEqual(offered, expected)) {
      throw new CrabboxError("unauthorized", "missing or wrong bearer token for the local machine host");
    }
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes)
      throw new CrabboxError("body_too_large", `request body over ${maxBodyBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
  } catch {
    throw new CrabboxError("invalid_request", "body: not valid JSON", { field: "body" });
  }
}

function respond(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function respondError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) res.end();
  else if (isCrabboxError(error)) respond(res, error.httpStatus, error.toJSON());
  else respond(res, 500, { error: "internal", message: "the local machine host failed; see its log" });
}
