/**
 * An Entra ID client-credentials `TokenCredential` built on fetch, so that it runs in the
 * Worker as well as in Node. Tokens are cached until 30 s before they expire and concurrent
 * callers share one request. The client secret is sent only in the form body and never
 * appears in an error: failures name the HTTP status and Entra's error code, nothing else.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { CrabboxError } from "../../errors";
import { sleep } from "../../time/sleep";

export interface ClientSecretFetchCredentialOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  loginEndpoint: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

const refreshMarginMs = 30_000;
const connectAttempts = 3;
const connectRetryMs = 200;

/** The network error's code (`ECONNRESET`…), never its message, which could quote the request. */
function causeCode(error: unknown): string {
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === "string" && /^[A-Z_]{2,40}$/.test(code) ? ` (${code})` : "";
}

export class ClientSecretFetchCredential implements TokenCredential {
  private cached = new Map<string, AccessToken>();
  private pending = new Map<string, Promise<AccessToken>>();
  /** How many tokens were requested from the endpoint (observable by tests and metrics). */
  requests = 0;

  constructor(private readonly options: ClientSecretFetchCredentialOptions) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const scope = (Array.isArray(scopes) ? scopes : [scopes]).join(" ");
    const cached = this.cached.get(scope);
    if (cached && cached.expiresOnTimestamp - refreshMarginMs > Date.now()) return cached;
    const inFlight = this.pending.get(scope);
    if (inFlight) return inFlight;
    const request = this.fetchToken(scope, options?.abortSignal as AbortSignal | undefined).finally(() =>
      this.pending.delete(scope),
    );
    this.pending.set(scope, request);
    return request;
  }

  private async fetchToken(scope: string, outer?: AbortSignal): Promise<AccessToken> {
    const { tenantId, clientId, clientSecret, loginEndpoint, timeoutMs } = this.options;
    const doFetch = this.options.fetch ?? fetch;
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(outer ? [outer] : [])]);
    let response: Response | undefined;
    // A connection that fails outright (reset, refused) is tried again within the deadline:
    // Entra, like any endpoint, drops one now and then, and a token request is safe to repeat.
    for (let attempt = 1; !response; attempt++) {
      this.requests++;
      try {
        response = await doFetch(`${loginEndpoint}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            grant_type: "client_credentials",
            client_id: clientId,
            client_secret: clientSecret,
            scope,
          }).toString(),
          signal,
        });
      } catch (error) {
        const timedOut =
          signal.aborted ||
          (error as Error)?.name === "TimeoutError" ||
          (error as Error)?.name === "AbortError";
        if (timedOut) throw new CrabboxError("timeout", "azure token request timed out");
        if (attempt >= connectAttempts) {
          throw new CrabboxError(
            "provider_error",
            `azure token request failed to connect${causeCode(error)}`,
          );
        }
        await sleep(connectRetryMs * attempt, signal).catch(() => undefined);
      }
    }
    const payload = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof payload.access_token !== "string") {
      const code =
        typeof payload.error === "string" ? payload.error.replace(/[^A-Za-z0-9_]/g, "") : "unknown";
      throw new CrabboxError(
        "provider_error",
        `azure token request failed: http ${response.status} ${code}`,
        {
          provider: "azure",
          status: response.status,
        },
      );
    }
    const expiresIn = Number(payload.expires_in ?? 3600);
    const token: AccessToken = {
      token: payload.access_token,
      expiresOnTimestamp: Date.now() + (Number.isFinite(expiresIn) ? expiresIn : 3600) * 1000,
      tokenType: "Bearer",
    };
    this.cached.set(scope, token);
    return token;
  }
}
