import type { z } from "zod";
import { CrabboxError } from "../errors";
import { sleep } from "../time/sleep";
import { type ErrorHint, errorFromResponse } from "./errors";
import { defaultHttpFetch, type HttpAnswer, type HttpFetch } from "./http-fetch";

export interface TransportOptions {
  baseUrl: string;
  /** How errors name the base URL's setting (`url` of createClient; the CLI's `broker.url`). */
  urlSetting?: string;
  token: string;
  /** Sent as `X-Crabbox-Owner`/`X-Crabbox-Org`; only admin and shared tokens may name them. */
  owner?: string;
  org?: string;
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts for retryable failures (transport errors, timeouts, 502/503/504). */
  attempts?: number;
  /** Defaults to `node:http(s)` on Node, the global `fetch` elsewhere (`http-fetch.ts`); `fetch` fits. */
  fetch?: HttpFetch;
  sleep?: (ms: number) => Promise<void>;
  /** Advice appended to an error answer's message (the CLI names the command that fixes it). */
  hint?: ErrorHint;
  /** Advice appended when the coordinator cannot be reached at all. */
  unreachableHint?: (baseUrl: string) => string;
}

export interface RequestOptions<S extends z.ZodType> {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  schema?: S;
  /** Overrides the bearer (admin calls). */
  token?: string;
  timeoutMs?: number;
  /**
   * Whether repeating the request is harmless. GETs are; a lease create is because the
   * client chose its lease ID (the coordinator dedupes on it); other POSTs send an
   * Idempotency-Key and become safe too.
   */
  idempotent?: boolean;
  idempotencyKey?: string;
  signal?: AbortSignal;
  text?: boolean;
  /** Non-2xx statuses whose body is an answer to parse (e.g. login poll's 410 expired), not an error. */
  acceptStatus?: number[];
  /** Overrides the client's attempt count for retryable requests. */
  attempts?: number;
}

const retryableStatus = new Set([502, 503, 504]);

function validBaseUrl(raw: string, setting: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CrabboxError(
      "config",
      `${setting} "${raw}" is not an absolute URL (like https://crabbox.example.com)`,
      {
        field: setting,
      },
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new CrabboxError("config", `${setting} must be http(s), got ${url.protocol}`, { field: setting });
  }
  return url;
}

export class Transport {
  readonly baseUrl: string;
  private readonly options: TransportOptions;

  constructor(options: TransportOptions) {
    this.baseUrl = validBaseUrl(options.baseUrl, options.urlSetting ?? "url")
      .toString()
      .replace(/\/+$/, "");
    this.options = options;
  }

  async request<S extends z.ZodType>(
    method: string,
    path: string,
    options: RequestOptions<S> = {},
  ): Promise<S extends z.ZodType<infer T> ? T : unknown> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== "") url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: options.text ? "text/plain" : "application/json" };
    const token = options.token ?? this.options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (this.options.owner) headers["x-crabbox-owner"] = this.options.owner;
    if (this.options.org) headers["x-crabbox-org"] = this.options.org;
    if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (payload !== undefined) headers["content-type"] = "application/json";

    const retry = options.idempotent ?? (method === "GET" || options.idempotencyKey !== undefined);
    const attempts = retry ? (options.attempts ?? this.options.attempts ?? 3) : 1;
    const doFetch = this.options.fetch ?? defaultHttpFetch;
    const pause = this.options.sleep ?? sleep;
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      options.signal?.throwIfAborted();
      const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
      let response: HttpAnswer;
      try {
        response = await doFetch(url, {
          method,
          headers,
          body: payload,
          // A redirect could carry the bearer to another origin: never follow one.
          redirect: "manual",
          signal: AbortSignal.any(signals),
        });
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason ?? error;
        const timedOut = (error as Error).name === "TimeoutError";
        lastError = new CrabboxError(
          timedOut ? "timeout" : "provider_error",
          timedOut
            ? `coordinator ${method} ${path}: no answer within ${Math.round(timeoutMs / 1000)}s from ${this.baseUrl}`
            : `coordinator ${method} ${path}: cannot reach ${this.baseUrl} (${(error as Error).message}); ${
                this.options.unreachableHint?.(this.baseUrl) ??
                "check the URL and that the coordinator is running"
              }`,
        );
        if (attempt < attempts) await pause(250 * 2 ** (attempt - 1));
        continue;
      }
      const bodyText = await response.text();
      if (response.status >= 300 && response.status < 400) {
        throw new CrabboxError(
          "provider_error",
          `coordinator ${method} ${path}: redirected (http ${response.status}); set ${this.options.urlSetting ?? "url"} to the final address`,
        );
      }
      if (!response.ok && !options.acceptStatus?.includes(response.status)) {
        lastError = errorFromResponse(method, path, response.status, bodyText, this.options.hint);
        if (retryableStatus.has(response.status) && attempt < attempts) {
          await pause(250 * 2 ** (attempt - 1));
          continue;
        }
        throw lastError;
      }
      if (options.text) return bodyText as never;
      let json: unknown;
      try {
        json = bodyText === "" ? {} : JSON.parse(bodyText);
      } catch {
        throw new CrabboxError("provider_error", `coordinator ${method} ${path}: answer is not JSON`);
      }
      if (!options.schema) return json as never;
      const parsed = options.schema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new CrabboxError(
          "provider_error",
          `coordinator ${method} ${path}: unexpected answer at ${issue.path.join(".") || "(root)"}: ${issue.message}; is the coordinator the same version as this CLI?`,
        );
      }
      return parsed.data as never;
    }
    throw lastError;
  }
}
