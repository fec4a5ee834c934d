/**
 * A loopback fake of the Hetzner Cloud API (servers, actions, ssh_keys, server_types,
 * locations), held to the public reference https://docs.hetzner.cloud/ (section names are
 * cited next to each behaviour):
 * - "Errors": JSON `{"error": {"code", "message", "details"}}` failures.
 * - "Actions" / "Get an Action": POST /servers and DELETE /servers/{id} answer with a
 *   `running` action; GET /actions/{id} stays `running` for `actionPolls` polls, then ends
 *   `success` (or `error`, see `failCreateActions`). A server is `initializing` and has no
 *   IPv4 until its create action succeeded.
 * - "Errors" (`uniqueness_error`, 409): a taken server or key name.
 * - "Rate Limiting": every answer carries RateLimit-Limit/-Remaining/-Reset (a UNIX
 *   timestamp); a 429 `rate_limit_exceeded` carries them and no Retry-After.
 * - "Pagination": every list answers `meta.pagination` (page, per_page, previous_page,
 *   next_page, last_page, total_entries); per_page is at most 50.
 * - "Label Selector": `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (..)`, `k notin (..)` joined
 *   by commas; anything else is 400 `invalid_input`.
 * Faults are injected per request: capacity and quota errors, 5xx, 429, hangs (timeouts)
 * and "late" creates that take effect but never answer. `fetch` serves requests in-process
 * (usable inside workerd); `listen()` also serves it on 127.0.0.1 for Node tests.
 */

export interface FakeServer {
  id: number;
  name: string;
  status: string;
  server_type: string;
  location: string;
  image: string;
  labels: Record<string, string>;
  ssh_keys: string[];
  user_data: string;
  ip: string | null;
  /** GETs left before the IP shows up. */
  ipAfterPolls: number;
  /** Exists (its name is taken) but reads do not show it yet. */
  hidden?: boolean;
}

export interface FakeAction {
  id: number;
  command: "create_server" | "delete_server";
  status: "running" | "success" | "error";
  serverID: number;
  /** GETs left while it is still `running`. */
  pollsLeft: number;
  /** Set on a create that will end in `error`. */
  failure?: { code: string; message: string };
}

export interface FakeKey {
  id: number;
  name: string;
  public_key: string;
  labels: Record<string, string>;
}

export type HetznerFault =
  | { kind: "error"; status: number; code: string; message?: string }
  /** 429 whose RateLimit-Reset lies `resetSeconds` ahead ("Rate Limiting": no Retry-After). */
  | { kind: "rate_limit"; resetSeconds: number }
  | { kind: "server_error" }
  | { kind: "hang" }
  | { kind: "late" }
  /**
   * Takes effect but never answers, and what it made stays invisible to reads until the test
   * calls `releaseDeferred()`: a create that shows up only after the caller gave up.
   */
  | { kind: "deferred" };

export interface FaultRule {
  method?: string;
  /** Matched against the path without the query and without the /v1 prefix. */
  path?: RegExp;
  fault: HetznerFault;
  /** How many matching requests it applies to (default 1). */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  authorized: boolean;
  fault?: HetznerFault["kind"];
}

const prices: Record<string, string> = {
  cx53: "0.0730",
  cpx62: "0.1660",
  ccx33: "0.3330",
  ccx43: "0.5000",
  ccx53: "0.6660",
  ccx63: "1.0000",
};

export class FakeHetzner {
  readonly token = "fake-hetzner-token";
  readonly servers = new Map<number, FakeServer>();
  readonly keys = new Map<number, FakeKey>();
  readonly actions = new Map<number, FakeAction>();
  /** GETs of an action that still answer `running` ("Get an Action"). */
  actionPolls = 1;
  /** Server types whose create action ends `error` with this code (the server stays, off). */
  readonly failCreateActions = new Map<string, string>();
  /** Locations GET /locations knows ("Get all Locations"). */
  readonly locations = ["fsn1", "nbg1", "hel1", "ash", "hil", "sin"];
  /** Seconds since the epoch, for RateLimit-Reset; tests may pin it. */
  nowSeconds: () => number = () => Math.floor(Date.now() / 1000);
  readonly requests: RecordedRequest[] = [];
  /** Server types that answer `resource_unavailable` on create. */
  readonly unavailableTypes = new Set<string>();
  /** GETs of a new server before its IPv4 appears. */
  ipAfterPolls = 0;
  /** The IPv4 a new server gets; tests that SSH into "the server" point it at a loopback sshd. */
  addressFor: (id: number) => string = ipFor;
  private deferred: Array<() => unknown> = [];
  private rules: FaultRule[] = [];
  private nextID = 1000;

  inject(...rules: FaultRule[]): void {
    this.rules.push(...rules.map((r) => ({ ...r, times: r.times ?? 1 })));
  }

  /** Applies the effects of "deferred" requests, in order. */
  releaseDeferred(): void {
    for (const effect of this.deferred.splice(0)) effect();
  }

  clearFaults(): void {
    this.rules = [];
  }

  /** Resources that still exist, for "nothing left behind" assertions. */
  inventory(): { servers: FakeServer[]; keys: FakeKey[] } {
    return { servers: [...this.servers.values()], keys: [...this.keys.values()] };
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    return this.handle(request);
  };

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.replace(/^\/v1/, "");
    const text = request.method === "GET" || request.method === "DELETE" ? "" : await request.text();
    const body = text ? JSON.parse(text) : undefined;
    const recorded: RecordedRequest = {
      method: request.method,
      path,
      query: url.searchParams,
      body,
      authorized: request.headers.get("authorization") === `Bearer ${this.token}`,
    };
    this.requests.push(recorded);
    const response = await this.answer(request, recorded, url);
    // "Rate Limiting": the headers come on every answer, throttled or not.
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(this.rateLimitHeaders(0))) {
      if (!headers.has(name)) headers.set(name, value);
    }
    return new Response(response.body, { status: response.status, headers });
  }

  private rateLimitHeaders(resetSeconds: number): Record<string, string> {
    return {
      "ratelimit-limit": "3600",
      "ratelimit-remaining": resetSeconds > 0 ? "0" : "3599",
      "ratelimit-reset": String(this.nowSeconds() + resetSeconds),
    };
  }

  private async answer(request: Request, recorded: RecordedRequest, url: URL): Promise<Response> {
    const { path } = recorded;
    const body = recorded.body;
    if (!recorded.authorized) return error(401, "unauthorized", "unable to authenticate");
    const fault = this.takeFault(request.method, path);
    recorded.fault = fault?.kind;
    switch (fault?.kind) {
      case undefined:
        return this.route(request.method, path, url.searchParams, body);
      case "error":
        return error(fault.status, fault.code, fault.message ?? fault.code);
      case "rate_limit":
        return new Response(
          JSON.stringify({
            error: {
              code: "rate_limit_exceeded",
              message: "limit of 3600 requests per hour reached",
              details: {},
            },
          }),
          {
            status: 429,
            headers: { "content-type": "application/json", ...this.rateLimitHeaders(fault.resetSeconds) },
          },
        );
      case "server_error":
        return error(503, "service_error", "temporarily unavailable");
      case "hang":
        return hang(request.signal);
      case "late":
        this.route(request.method, path, url.searchParams, body);
        return hang(request.signal);
      case "deferred": {
        const before = new Set(this.servers.keys());
        this.route(request.method, path, url.searchParams, body);
        const made = [...this.servers.values()].filter((s) => !before.has(s.id));
        for (const server of made) server.hidden = true;
        this.deferred.push(() => {
          for (const server of made) server.hidden = false;
        });
        return hang(request.signal);
      }
    }
  }

  /** Serves the fake on 127.0.0.1 for Node tests; returns its base URL (with /v1). */
  async listen(): Promise<{ url: string; close: () => Promise<void> }> {
    const { serveOnLoopback } = await import("./loopback-server");
    const server = await serveOnLoopback((request) => this.handle(request));
    return { url: `${server.url}/v1`, close: server.close };
  }

  private takeFault(method: string, path: string): HetznerFault | undefined {
    const rule = this.rules.find(
      (r) => (r.times ?? 0) > 0 && (!r.method || r.method === method) && (!r.path || r.path.test(path)),
    );
    if (!rule) return undefined;
    rule.times = (rule.times ?? 1) - 1;
    return rule.fault;
  }

  private route(method: string, path: string, query: URLSearchParams, body: unknown): Response {
    const segments = path.split("/").filter(Boolean);
    const [collection, id] = segments;
    if (method === "GET" && !id && query.has("per_page")) {
      const perPage = Number(query.get("per_page"));
      // "Pagination": per_page defaults to 25 and is at most 50.
      if (!Number.isInteger(perPage) || perPage < 1 || perPage > 50)
        return error(400, "invalid_input", "invalid input in field 'per_page'");
    }
    const selector = query.get("label_selector");
    if (method === "GET" && selector !== null && parseSelector(selector) === undefined) {
      return error(400, "invalid_input", `invalid label_selector '${selector}'`);
    }
    if (collection === "actions" && id && method === "GET") return this.getAction(Number(id));
    if (collection === "locations" && !id && method === "GET") return this.listLocations(query);
    if (collection === "servers" && !id && method === "GET") return this.listServers(query);
    if (collection === "servers" && !id && method === "POST") return this.createServer(body as CreateServer);
    if (collection === "servers" && id && method === "GET") return this.getServer(Number(id));
    if (collection === "servers" && id && method === "PUT") return this.updateServer(Number(id), body);
    if (collection === "servers" && id && method === "DELETE") return this.deleteServer(Number(id));
    if (collection === "ssh_keys" && !id && method === "GET") return this.listKeys(query);
    if (collection === "ssh_keys" && !id && method === "POST") return this.createKey(body as CreateKey);
    if (collection === "ssh_keys" && id && method === "DELETE") return this.deleteKey(Number(id));
    if (collection === "server_types" && method === "GET") return this.serverTypes(query);
    return error(404, "not_found", `no route ${method} ${path}`);
  }

  private listServers(query: URLSearchParams): Response {
    let servers = [...this.servers.values()].filter((s) => !s.hidden);
    const selector = query.get("label_selector");
    if (selector) servers = servers.filter((s) => matchesSelector(s.labels, selector));
    const name = query.get("name");
    if (name) servers = servers.filter((s) => s.name === name);
    return paginate("servers", servers.map(serverJSON), query);
  }

  private createServer(body: CreateServer): Response {
    for (const field of ["name", "server_type", "image"] as const) {
      if (typeof body?.[field] !== "string")
        return error(400, "invalid_input", `invalid input in field '${field}'`);
    }
    if ([...this.servers.values()].some((s) => s.name === body.name)) {
      return error(409, "uniqueness_error", "server name is already used");
    }
    for (const keyName of body.ssh_keys ?? []) {
      if (![...this.keys.values()].some((k) => k.name === keyName)) {
        return error(400, "invalid_input", `ssh key ${keyName} not found`);
      }
    }
    if (this.unavailableTypes.has(body.server_type)) {
      return error(412, "resource_unavailable", `server type ${body.server_type} is unavailable`);
    }
    const server: FakeServer = {
      id: this.nextID++,
      name: body.name,
      status: "initializing",
      server_type: body.server_type,
      location: body.location ?? "fsn1",
      image: body.image,
      labels: body.labels ?? {},
      ssh_keys: body.ssh_keys ?? [],
      user_data: body.user_data ?? "",
      ip: null,
      ipAfterPolls: this.ipAfterPolls,
    };
    this.servers.set(server.id, server);
    const failure = this.failCreateActions.get(body.server_type);
    const action = this.startAction("create_server", server.id, failure);
    // "Create a Server": 201 with the server `initializing` and a running create action.
    return json(201, {
      server: serverJSON(server),
      action: actionJSON(action),
      next_actions: [],
      root_password: null,
    });
  }

  private getServer(id: number): Response {
    const server = this.servers.get(id);
    if (!server || server.hidden) return error(404, "not_found", "server not found");
    if (server.status === "initializing") {
      // The action runs on whether or not anyone polls it; a GET of the server counts as time.
      const action = [...this.actions.values()].find(
        (a) => a.serverID === id && a.command === "create_server" && a.status === "running",
      );
      if (action && --action.pollsLeft < 0) this.finish(action);
    } else if (server.status === "off") {
      // A failed create: it never becomes usable.
    } else if (server.ip === null) {
      server.ipAfterPolls -= 1;
      if (server.ipAfterPolls <= 0) server.ip = this.addressFor(server.id);
    } else {
      server.status = "running";
    }
    return json(200, { server: serverJSON(server) });
  }

  private updateServer(id: number, body: unknown): Response {
    const server = this.servers.get(id);
    if (!server) return error(404, "not_found", "server not found");
    const labels = (body as { labels?: Record<string, string> } | undefined)?.labels;
    if (labels) server.labels = labels;
    return json(200, { server: serverJSON(server) });
  }

  /** "Delete a Server": 200 with a running delete action; the server is gone once it ends. */
  private deleteServer(id: number): Response {
    const server = this.servers.get(id);
    if (!server || server.hidden) return error(404, "not_found", "server not found");
    server.hidden = true;
    return json(200, { action: actionJSON(this.startAction("delete_server", id)) });
  }

  private startAction(command: FakeAction["command"], serverID: number, failureCode?: string): FakeAction {
    const action: FakeAction = {
      id: this.nextID++,
      command,
      status: "running",
      serverID,
      pollsLeft: this.actionPolls,
      ...(failureCode
        ? { failure: { code: failureCode, message: `${command} failed: ${failureCode}` } }
        : {}),
    };
    this.actions.set(action.id, action);
    if (action.pollsLeft <= 0) this.finish(action);
    return action;
  }

  private finish(action: FakeAction): void {
    action.status = action.failure ? "error" : "success";
    const server = this.servers.get(action.serverID);
    if (!server) return;
    if (action.command === "delete_server") {
      this.servers.delete(server.id);
    } else if (action.failure) {
      server.status = "off";
    } else {
      server.status = "running";
      if (server.ipAfterPolls <= 0) server.ip = this.addressFor(server.id);
    }
  }

  /** "Get an Action": `running` for `actionPolls` GETs, then `success` or `error`. */
  private getAction(id: number): Response {
    const action = this.actions.get(id);
    if (!action) return error(404, "not_found", "action not found");
    if (action.status === "running") {
      action.pollsLeft -= 1;
      if (action.pollsLeft < 0) this.finish(action);
    }
    return json(200, { action: actionJSON(action) });
  }

  private listLocations(query: URLSearchParams): Response {
    const name = query.get("name");
    const locations = this.locations
      .filter((l) => !name || l === name)
      .map((l, index) => ({ id: index + 1, name: l, network_zone: "eu-central" }));
    return paginate("locations", locations, query);
  }

  private listKeys(query: URLSearchParams): Response {
    let keys = [...this.keys.values()];
    const name = query.get("name");
    if (name) keys = keys.filter((k) => k.name === name);
    return paginate("ssh_keys", keys, query);
  }

  private createKey(body: CreateKey): Response {
    if (typeof body?.name !== "string" || typeof body.public_key !== "string") {
      return error(400, "invalid_input", "name and public_key are required");
    }
    const material = body.public_key.trim().split(/\s+/).slice(0, 2).join(" ");
    const clash = [...this.keys.values()].some(
      (k) => k.name === body.name || k.public_key.trim().split(/\s+/).slice(0, 2).join(" ") === material,
    );
    if (clash)
      return error(409, "uniqueness_error", "SSH key with the same name or fingerprint already exists");
    const key: FakeKey = {
      id: this.nextID++,
      name: body.name,
      public_key: body.public_key,
      labels: body.labels ?? {},
    };
    this.keys.set(key.id, key);
    return json(201, { ssh_key: key });
  }

  private deleteKey(id: number): Response {
    if (!this.keys.delete(id)) return error(404, "not_found", "ssh key not found");
    return new Response(null, { status: 204 });
  }

  private serverTypes(query: URLSearchParams): Response {
    const name = query.get("name");
    const types = Object.entries(prices)
      .filter(([type]) => !name || type === name)
      .map(([type, gross], index) => ({
        id: index + 1,
        name: type,
        prices: ["nbg1", "fsn1"].map((location) => ({
          location,
          price_hourly: {
            net: (Number(gross) / 1.19).toFixed(4),
            gross: location === "fsn1" ? gross : "9.9999",
          },
        })),
      }));
    return paginate("server_types", types, query);
  }
}

interface CreateServer {
  name: string;
  server_type: string;
  image: string;
  location?: string;
  labels?: Record<string, string>;
  ssh_keys?: string[];
  user_data?: string;
}

interface CreateKey {
  name: string;
  public_key: string;
  labels?: Record<string, string>;
}

function serverJSON(server: FakeServer) {
  return {
    id: server.id,
    name: server.name,
    status: server.status,
    public_net: { ipv4: server.ip ? { ip: server.ip, blocked: false } : null, ipv6: null, floating_ips: [] },
    private_net: [],
    server_type: { name: server.server_type },
    datacenter: { name: `${server.location}-dc14`, location: { name: server.location } },
    image: { name: server.image },
    labels: server.labels,
    created: "2026-11-28T12:00:00+00:00",
  };
}

function ipFor(id: number): string {
  return `192.0.2.${id % 250}`;
}

function actionJSON(action: FakeAction) {
  const finished = action.status !== "running";
  return {
    id: action.id,
    command: action.command,
    status: action.status,
    progress: finished ? 100 : 0,
    started: "2026-11-28T12:00:00+00:00",
    finished: finished ? "2026-11-28T12:00:30+00:00" : null,
    resources: [{ id: action.serverID, type: "server" }],
    error: action.status === "error" ? action.failure : null,
  };
}

type Term = (labels: Record<string, string>) => boolean;
const labelKey = `(?:[a-z0-9A-Z.-]+/)?[a-z0-9A-Z](?:[a-z0-9A-Z._-]*[a-z0-9A-Z])?`;
const labelValue = `(?:[a-z0-9A-Z](?:[a-z0-9A-Z._-]*[a-z0-9A-Z])?)?`;
const equality = new RegExp(`^(${labelKey})\\s*(==|=|!=)\\s*(${labelValue})$`);
const setTerm = new RegExp(`^(${labelKey})\\s+(in|notin)\\s+\\(([^()]*)\\)$`);
const presence = new RegExp(`^(!?)(${labelKey})$`);

/** "Label Selector": the whole grammar, or undefined when a term is not part of it. */
function parseSelector(selector: string): Term[] | undefined {
  // Commas separate terms, except inside `in (…)` lists.
  const parts = selector.match(/[^,(]+(?:\([^)]*\))?/g) ?? [];
  if (!selector.trim() || parts.join(",") !== selector) return undefined;
  const terms: Term[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    const eq = equality.exec(part);
    const set = setTerm.exec(part);
    const has = presence.exec(part);
    if (eq) {
      const [, key = "", op, value = ""] = eq;
      terms.push((labels) => (op === "!=" ? labels[key] !== value : labels[key] === value));
    } else if (set) {
      const [, key = "", op, list = ""] = set;
      const values = list.split(",").map((v) => v.trim());
      if (values.some((v) => !new RegExp(`^${labelValue}$`).test(v) || !v)) return undefined;
      terms.push((labels) => {
        const value = labels[key];
        const inside = value !== undefined && values.includes(value);
        return op === "in" ? inside : !inside;
      });
    } else if (has) {
      const [, not, key = ""] = has;
      terms.push((labels) => (not ? !(key in labels) : key in labels));
    } else {
      return undefined;
    }
  }
  return terms;
}

function matchesSelector(labels: Record<string, string>, selector: string): boolean {
  return (parseSelector(selector) ?? []).every((term) => term(labels));
}

function paginate<T>(field: string, items: T[], query: URLSearchParams): Response {
  const perPage = Number(query.get("per_page") ?? 25);
  const page = Number(query.get("page") ?? 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  return json(200, {
    [field]: items.slice((page - 1) * perPage, page * perPage),
    meta: {
      pagination: {
        page,
        per_page: perPage,
        previous_page: page > 1 ? page - 1 : null,
        next_page: page < last ? page + 1 : null,
        last_page: last,
        total_entries: items.length,
      },
    },
  });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function error(status: number, code: string, message: string): Response {
  return json(status, { error: { code, message, details: {} } });
}

/** Never answers; gives up only when the client aborts (its deadline). */
function hang(signal: AbortSignal): Promise<Response> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}
