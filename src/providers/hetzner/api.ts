/**
 * The Hetzner Cloud REST API (https://docs.hetzner.cloud): JSON over HTTPS with a bearer
 * token. Errors come back as `{"error": {"code", "message"}}`; the code is what the
 * provider classifies. The token never appears in an error.
 */
import { CrabboxError } from "../../errors";
import { defaultRetryPolicy, type RetryPolicy, retryingFetch } from "../retrying-fetch";

export interface HetznerServer {
  id: number;
  name: string;
  status: string;
  public_net: { ipv4: { ip: string } | null };
  server_type: { name: string };
  datacenter?: { location?: { name: string } };
  labels: Record<string, string>;
}

export interface HetznerSSHKey {
  id: number;
  name: string;
  public_key: string;
  labels: Record<string, string>;
}

export interface HetznerServerType {
  name: string;
  prices: Array<{ location: string; price_hourly: { net: string; gross: string } }>;
}

interface Pagination {
  meta?: { pagination?: { next_page: number | null } };
}

/** A non-2xx answer from Hetzner, with its error code ("resource_unavailable", …). */
export class HetznerApiError extends Error {
  override readonly name = "HetznerApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface HetznerApiOptions {
  token: string;
  baseUrl: string;
  fetch: typeof fetch;
  retry: RetryPolicy;
}

export class HetznerApi {
  constructor(private readonly options: HetznerApiOptions) {
    if (!options.token) throw new CrabboxError("config", "the Hetzner provider needs HETZNER_TOKEN");
  }

  static withDefaults(options: {
    token: string;
    baseUrl?: string;
    fetch?: typeof fetch;
    retry?: Partial<RetryPolicy>;
  }): HetznerApi {
    return new HetznerApi({
      token: options.token,
      baseUrl: (options.baseUrl ?? "https://api.hetzner.cloud/v1").replace(/\/+$/, ""),
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      retry: { ...defaultRetryPolicy, ...options.retry },
    });
  }

  async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await retryingFetch(
      () => ({
        url: `${this.options.baseUrl}${path}`,
        init: {
          method,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        },
      }),
      {
        fetch: this.options.fetch,
        policy: this.options.retry,
        label: `hetzner ${method} ${pathOnly(path)}`,
        signal,
      },
    );
    if (response.status >= 200 && response.status < 300) {
      return (response.body ? JSON.parse(response.body) : {}) as T;
    }
    const parsed = safeJSON(response.body) as { error?: { code?: string; message?: string } } | undefined;
    const code = parsed?.error?.code ?? `http_${response.status}`;
    const message = (parsed?.error?.message ?? response.body).slice(0, 300);
    throw new HetznerApiError(
      response.status,
      code,
      `hetzner ${method} ${pathOnly(path)}: http ${response.status} ${code}: ${message}`,
    );
  }

  /** Follows `meta.pagination.next_page` until the last page. */
  async all<T>(path: string, field: string, signal?: AbortSignal): Promise<T[]> {
    const items: T[] = [];
    const separator = path.includes("?") ? "&" : "?";
    for (let page: number | null = 1; page !== null; ) {
      const body: Pagination & Record<string, unknown> = await this.call(
        "GET",
        `${path}${separator}page=${page}&per_page=50`,
        undefined,
        signal,
      );
      items.push(...((body[field] as T[] | undefined) ?? []));
      page = body.meta?.pagination?.next_page ?? null;
    }
    return items;
  }
}

function pathOnly(path: string): string {
  return path.split("?")[0] ?? path;
}

function safeJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
