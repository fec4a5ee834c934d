/**
 * A fake of the slice of GitHub that Crabbox's login uses, modelled on GitHub's public docs
 * for the OAuth web flow and the REST API (`/user`, `/user/emails`,
 * `/user/memberships/orgs/{org}`, `/user/teams`). It is a plain fetch handler, so the same
 * fake serves Node tests over loopback HTTP (`serveOnLoopback`) and workerd tests as the
 * Worker's outbound `fetch` (see `interceptFetch`).
 *
 * Behaviour kept from GitHub: a code is single-use and bound to the client and redirect URI
 * it was issued for; a bad code is a 200 with `{"error":"bad_verification_code"}`; API calls
 * without a valid token are 401; non-members get 404 on the membership route; team listing
 * is paged by `per_page`/`page`.
 */

export interface FakeGithubUser {
  login: string;
  name?: string;
  /** The public profile e-mail (may be absent). */
  email?: string;
  emails?: Array<{ email: string; primary: boolean; verified: boolean }>;
  /** Org login (GitHub's spelling) → membership state. */
  orgs?: Record<string, "active" | "pending">;
  teams?: Array<{ org: string; slug: string }>;
}

export interface RecordedCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

interface IssuedCode {
  user: FakeGithubUser;
  clientId: string;
  redirectUri: string;
  used: boolean;
}

export class FakeGitHub {
  readonly calls: RecordedCall[] = [];
  private readonly codes = new Map<string, IssuedCode>();
  private readonly tokens = new Map<string, FakeGithubUser>();
  private readonly faults = new Map<string, number | "hang">();
  private counter = 0;

  constructor(
    readonly clientId: string,
    readonly clientSecret: string,
  ) {}

  /**
   * The browser side: the user opens the authorize URL and approves. Returns the callback
   * URL GitHub would redirect to (with `code` and `state`), after checking what GitHub checks.
   */
  authorize(authorizeUrl: string, user: FakeGithubUser): string {
    const url = new URL(authorizeUrl);
    if (!url.pathname.endsWith("/login/oauth/authorize"))
      throw new Error(`not an authorize URL: ${url.pathname}`);
    const clientId = url.searchParams.get("client_id");
    const redirectUri = url.searchParams.get("redirect_uri");
    const state = url.searchParams.get("state");
    if (clientId !== this.clientId) throw new Error(`unknown client_id ${clientId}`);
    if (!redirectUri || !state) throw new Error("authorize URL lacks redirect_uri or state");
    const code = `code${++this.counter}${Math.random().toString(16).slice(2, 10)}`;
    this.codes.set(code, { user, clientId, redirectUri, used: false });
    const callback = new URL(redirectUri);
    callback.searchParams.set("code", code);
    callback.searchParams.set("state", state);
    return callback.toString();
  }

  /** The next requests to paths starting with `pathPrefix` answer `status` (or never answer). */
  fail(pathPrefix: string, fault: number | "hang"): void {
    this.faults.set(pathPrefix, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = request.method === "GET" ? "" : new TextDecoder().decode(await request.arrayBuffer());
    this.calls.push({
      method: request.method,
      path: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      body,
    });
    for (const [prefix, fault] of this.faults) {
      if (!url.pathname.startsWith(prefix)) continue;
      if (fault === "hang") {
        return new Promise<Response>((_resolve, reject) => {
          request.signal.addEventListener("abort", () => reject(new Error("aborted")));
        });
      }
      return Response.json({ message: "Server Error" }, { status: fault });
    }
    if (request.method === "POST" && url.pathname === "/login/oauth/access_token")
      return this.exchange(body, request);
    if (request.method !== "GET") return notFound();
    const user = this.tokens.get(
      (request.headers.get("authorization") ?? "").replace(/^(Bearer|token) /i, ""),
    );
    if (!user) return Response.json({ message: "Bad credentials" }, { status: 401 });
    if (url.pathname === "/user") {
      return Response.json({
        login: user.login,
        id: 1000 + user.login.length,
        name: user.name ?? null,
        email: user.email ?? null,
      });
    }
    if (url.pathname === "/user/emails") return Response.json(user.emails ?? []);
    const membership = url.pathname.match(/^\/user\/memberships\/orgs\/([^/]+)$/);
    if (membership?.[1]) {
      const wanted = decodeURIComponent(membership[1]).toLowerCase();
      const org = Object.keys(user.orgs ?? {}).find((name) => name.toLowerCase() === wanted);
      if (!org) return notFound();
      return Response.json({ state: user.orgs?.[org], role: "member", organization: { login: org } });
    }
    if (url.pathname === "/user/teams") {
      const perPage = Number(url.searchParams.get("per_page") ?? 30);
      const page = Number(url.searchParams.get("page") ?? 1);
      const teams = (user.teams ?? []).map((team) => ({
        slug: team.slug,
        name: team.slug,
        organization: { login: team.org },
      }));
      return Response.json(teams.slice((page - 1) * perPage, page * perPage));
    }
    return notFound();
  }

  private exchange(body: string, request: Request): Response {
    const form =
      request.headers.get("content-type")?.includes("json") === true
        ? new URLSearchParams(JSON.parse(body) as Record<string, string>)
        : new URLSearchParams(body);
    if (form.get("client_id") !== this.clientId || form.get("client_secret") !== this.clientSecret) {
      return Response.json({ error: "incorrect_client_credentials" });
    }
    const issued = this.codes.get(form.get("code") ?? "");
    if (!issued || issued.used || issued.clientId !== form.get("client_id")) {
      return Response.json({ error: "bad_verification_code" });
    }
    if (issued.redirectUri !== form.get("redirect_uri"))
      return Response.json({ error: "redirect_uri_mismatch" });
    issued.used = true;
    const token = `gho_fake${++this.counter}`;
    this.tokens.set(token, issued.user);
    return Response.json({
      access_token: token,
      token_type: "bearer",
      scope: "read:user,user:email,read:org",
    });
  }
}

function notFound(): Response {
  return Response.json({ message: "Not Found" }, { status: 404 });
}

/**
 * Routes the current isolate's outbound `fetch` for `origin` to `handler` (workerd tests,
 * where the Worker under test shares the test's isolate). Returns the undo function.
 */
export function interceptFetch(origin: string, handler: (request: Request) => Promise<Response>): () => void {
  const original = globalThis.fetch;
  const intercepted: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).origin === origin) return handler(request);
    return original(input, init);
  };
  globalThis.fetch = intercepted;
  return () => {
    globalThis.fetch = original;
  };
}
