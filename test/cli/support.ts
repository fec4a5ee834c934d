import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { main } from "../../src/cli/main";

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** A temp home with its own config dir and a working directory, so no test touches the real user's files. */
export function sandbox(): { root: string; configDir: string; cwd: string; env: Record<string, string> } {
  const root = mkdtempSync(join(tmpdir(), "crabbox-cli-"));
  const configDir = join(root, "config");
  const cwd = join(root, "repo");
  mkdirSync(cwd, { recursive: true });
  mkdirSync(join(cwd, ".git"));
  return {
    root,
    configDir,
    cwd,
    env: { HOME: root, CRABBOX_CONFIG_DIR: configDir, PATH: process.env.PATH ?? "" },
  };
}

export function write(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

/** Runs the real `main` with captured streams. */
export async function runCli(
  argv: string[],
  options: { env: Record<string, string | undefined>; cwd: string; stdin?: string; signal?: AbortSignal },
): Promise<Captured> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (c) => out.push(c));
  stderr.on("data", (c) => err.push(c));
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? "");
  const code = await main(argv, {
    stdout,
    stderr,
    stdin,
    env: options.env,
    cwd: options.cwd,
    signal: options.signal ?? new AbortController().signal,
  });
  return { code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

export type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
const servers: Server[] = [];

/** A loopback HTTP server standing in for the coordinator; records every request. */
export async function coordinator(
  handler: Handler,
): Promise<{ url: string; requests: { method: string; url: string; auth?: string; body: string }[] }> {
  const requests: { method: string; url: string; auth?: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      handler(req, body, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

export function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export function closeCoordinators(): void {
  for (const s of servers.splice(0)) s.close();
}

/** A lease as the coordinator's wire carries it: active on loopback unless `overrides` say otherwise. */
export function leaseJson(id: string, overrides: Record<string, unknown> = {}) {
  const now = new Date().toISOString();
  return {
    id,
    slug: "blue-prawn",
    provider: "local",
    target: "linux",
    owner: "o",
    org: "g",
    ttlSeconds: 5400,
    idleTimeoutSeconds: 1800,
    state: "active",
    host: "127.0.0.1",
    sshUser: "crabbox",
    sshPort: "2222",
    createdAt: now,
    updatedAt: now,
    lastTouchedAt: now,
    expiresAt: now,
    ...overrides,
  };
}
