/**
 * An Entra ID client-credentials `TokenCredential` built on fetch, so that it runs in the
 * Worker as well as in Node. Tokens are cached until 30 s before they expire and concurrent
 * callers share one request. The client secret is sent only in the form body and never
 * appears in an error: failures name the HTTP status and Entra's error code, nothing else.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { CrabboxError } from "../../errors";

export interface ClientSecretFetchCredentialOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  loginEndpoint: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

const refreshMarginMs = 30_000;

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
    const signals = [AbortSignal.timeout(timeoutMs), ...(outer ? [outer] : [])];
    this.requests++;
    let response: Response;
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
        signal: AbortSignal.any(signals),
      });
    } catch (error) {
      const timedOut = (error as Error)?.name === "TimeoutError" || (error as Error)?.name === "AbortError";
      throw new CrabboxError(
        timedOut ? "timeout" : "provider_error",
        timedOut ? "azure token request timed out" : "azure token request failed to connect",
      );
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
