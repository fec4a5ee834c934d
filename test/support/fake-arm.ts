/**
 * A loopback fake of Azure Resource Manager and the Entra ID token endpoint, modelled on the
 * public REST documentation, for driving the real `@azure/arm-*` SDK clients in Node tests.
 * The behaviour lives in `fake-arm-core.ts`; this file serves it over HTTPS with a throwaway
 * self-signed certificate (the SDK refuses bearer tokens over plain HTTP) and serves the
 * token endpoint over plain HTTP on a second port.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { armError, FakeArm, type FakeArmOptions, type FakeResponse } from "./fake-arm-core";

export * from "./fake-arm-core";

let certificate: { key: string; cert: string } | undefined;

/** A throwaway self-signed certificate for 127.0.0.1, made once per test process. */
function loopbackCertificate(): { key: string; cert: string } {
  if (certificate) return certificate;
  const dir = mkdtempSync(join(tmpdir(), "fake-arm-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    certificate = {
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    };
    return certificate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RunningFakeArm {
  fake: FakeArm;
  armEndpoint: string;
  loginEndpoint: string;
  /** PEM of the fake's certificate, for the provider's `tlsCA`. */
  ca: string;
  close(): Promise<void>;
}

/** The service principal and endpoints the CLI reads to reach this fake (docs/providers-azure.md). */
export function cliEnvFor(arm: RunningFakeArm): Record<string, string> {
  return {
    AZURE_TENANT_ID: arm.fake.tenantId,
    AZURE_CLIENT_ID: arm.fake.clientId,
    AZURE_CLIENT_SECRET: arm.fake.clientSecret,
    AZURE_SUBSCRIPTION_ID: arm.fake.subscriptionId,
    CRABBOX_AZURE_ARM_ENDPOINT: arm.armEndpoint,
    CRABBOX_AZURE_LOGIN_ENDPOINT: arm.loginEndpoint,
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, response: FakeResponse): void {
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  if (response.body !== undefined) headers["content-type"] = "application/json";
  res.writeHead(response.status, headers);
  res.end(response.body === undefined ? undefined : JSON.stringify(response.body));
}

export async function startFakeArm(
  options: FakeArmOptions & {
    /** Serve the token endpoint over HTTPS too (with the same certificate), as Entra ID does. */
    loginTls?: boolean;
  } = {},
): Promise<RunningFakeArm> {
  const fake = new FakeArm(options);
  const { key, cert } = loopbackCertificate();
  const arm = createHttpsServer({ key, cert }, async (req, res) => {
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      send(res, armError(400, "InvalidRequestContent", "body is not JSON"));
      return;
    }
    const response = fake.handle(req.method ?? "GET", req.url ?? "/", req.headers.authorization, body, {
      ifMatch: req.headers["if-match"] as string | undefined,
      ifNoneMatch: req.headers["if-none-match"] as string | undefined,
    });
    if (response) send(res, response);
  });
  const onLogin = async (req: IncomingMessage, res: ServerResponse) => {
    const text = await readBody(req);
    const expected = `/${fake.tenantId}/oauth2/v2.0/token`;
    if (req.method !== "POST" || req.url !== expected) {
      send(res, { status: 404, body: { error: "not_found" } });
      return;
    }
    send(res, fake.handleToken(text));
  };
  const login = options.loginTls ? createHttpsServer({ key, cert }, onLogin) : createHttpServer(onLogin);
  await Promise.all([
    new Promise<void>((resolve) => arm.listen(0, "127.0.0.1", resolve)),
    new Promise<void>((resolve) => login.listen(0, "127.0.0.1", resolve)),
  ]);
  const armPort = (arm.address() as AddressInfo).port;
  const loginPort = (login.address() as AddressInfo).port;
  fake.baseUrl = `https://127.0.0.1:${armPort}`;
  return {
    fake,
    armEndpoint: fake.baseUrl,
    loginEndpoint: `${options.loginTls ? "https" : "http"}://127.0.0.1:${loginPort}`,
    ca: cert,
    async close() {
      arm.closeAllConnections();
      login.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => arm.close(() => resolve())),
        new Promise<void>((resolve) => login.close(() => resolve())),
      ]);
    },
  };
}
