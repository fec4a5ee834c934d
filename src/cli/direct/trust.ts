/**
 * Extra TLS trust for direct mode (docs/direct-mode.md, "Private CAs"): a corporate proxy or a
 * private ARM endpoint presents a certificate from a CA that is not in Node's bundled store.
 *
 * `CRABBOX_CA_FILE`, else `NODE_EXTRA_CA_CERTS`, names a PEM bundle. Node itself reads
 * `NODE_EXTRA_CA_CERTS` only once, when the process starts, and only into its own default
 * store; the CLI reads the file from the environment it is given, so the trust is the same
 * whether it runs as a process or in-process (`main(argv, { env })`). The bundle is added to
 * Node's bundled roots, never instead of them, and is used for the cloud API calls and the
 * token request alike.
 */
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { rootCertificates } from "node:tls";
import { CrabboxError } from "../../errors";

type Env = Record<string, string | undefined>;

export interface ExtraTrust {
  /** Node's bundled roots plus the configured bundle, as one PEM string. */
  ca: string;
  /** A fetch (enough for a token request) that trusts `ca`. */
  fetch: typeof fetch;
}

export function extraTrust(env: Env): ExtraTrust | undefined {
  const variable = env.CRABBOX_CA_FILE?.trim()
    ? "CRABBOX_CA_FILE"
    : env.NODE_EXTRA_CA_CERTS?.trim()
      ? "NODE_EXTRA_CA_CERTS"
      : undefined;
  if (!variable) return undefined;
  const path = env[variable]!.trim();
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch {
    throw new CrabboxError("config", `${variable}: cannot read the CA bundle ${path}`, { field: variable });
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new CrabboxError("config", `${variable}: ${path} holds no PEM certificate`, { field: variable });
  }
  const ca = [...rootCertificates, pem].join("\n");
  return { ca, fetch: fetchTrusting(ca) };
}

/** fetch over node:https with the given roots (undici's global fetch takes no CA). */
function fetchTrusting(ca: string): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    if (url.protocol !== "https:") return fetch(input, init);
    const body = typeof init.body === "string" ? init.body : undefined;
    return await new Promise<Response>((resolve, reject) => {
      const req = request(
        url,
        {
          method: init.method ?? "GET",
          headers: init.headers as Record<string, string> | undefined,
          ca,
          signal: init.signal ?? undefined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (typeof v === "string") headers.set(k, v);
            }
            const status = res.statusCode ?? 500;
            const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(payload, { status, headers }));
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }) as typeof fetch;
}
