/**
 * The few GitHub calls login needs, each with a deadline. Failures become
 * `github_unavailable` with a message that names the call and status — never a token, a
 * client secret or GitHub's response body.
 */
import { CrabboxError } from "../../../errors";
import { type GithubConfig, githubTimeoutMs } from "./config";

export interface GithubUser {
  login: string;
  name?: string;
  email?: string;
}

export interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

export interface GithubTeam {
  slug: string;
  org: string;
}

const apiHeaders = {
  accept: "application/vnd.github+json",
  "x-github-api-version": "2022-11-28",
  "user-agent": "crabbox-coordinator",
};

async function call(what: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(githubTimeoutMs) });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new CrabboxError(
      "github_unavailable",
      `GitHub ${what} ${timedOut ? "timed out" : "could not be reached"}`,
    );
  }
}

function unexpected(what: string, response: Response): CrabboxError {
  return new CrabboxError("github_unavailable", `GitHub ${what} returned HTTP ${response.status}`);
}

async function readJson(what: string, response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    throw new CrabboxError("github_unavailable", `GitHub ${what} returned a body that is not JSON`);
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

export class GithubClient {
  constructor(private readonly config: GithubConfig) {}

  /** Exchanges the callback's code for a user access token (used only during this request). */
  async exchangeCode(code: string, redirectUri: string): Promise<string> {
    const what = "code exchange";
    const response = await call(what, `${this.config.webUrl}/login/oauth/access_token`, {
      method: "POST",
      headers: {
        accept: "application/json",
        "content-type": "application/x-www-form-urlencoded",
        "user-agent": apiHeaders["user-agent"],
      },
      body: new URLSearchParams({
        client_id: this.config.clientId,
        client_secret: this.config.clientSecret,
        code,
        redirect_uri: redirectUri,
      }),
    });
    if (!response.ok) throw unexpected(what, response);
    const body = record(await readJson(what, response));
    if (typeof body.access_token === "string" && body.access_token !== "") return body.access_token;
    // GitHub answers a bad or reused code with 200 and an `error` field.
    const reason = typeof body.error === "string" ? body.error.replace(/[^a-z_]/g, "") : "no access token";
    throw new CrabboxError("github_unavailable", `GitHub code exchange failed: ${reason}`);
  }

  private get(path: string, accessToken: string): Promise<Response> {
    return call(`GET ${path.split("?")[0]}`, `${this.config.apiUrl}${path}`, {
      headers: { ...apiHeaders, authorization: `Bearer ${accessToken}` },
    });
  }

  async user(accessToken: string): Promise<GithubUser> {
    const response = await this.get("/user", accessToken);
    if (!response.ok) throw unexpected("GET /user", response);
    const body = record(await readJson("GET /user", response));
    if (typeof body.login !== "string" || body.login === "") {
      throw new CrabboxError("github_unavailable", "GitHub GET /user returned no login");
    }
    const user: GithubUser = { login: body.login };
    if (typeof body.name === "string" && body.name !== "") user.name = body.name;
    if (typeof body.email === "string" && body.email !== "") user.email = body.email;
    return user;
  }

  /** The user's e-mail addresses; empty when GitHub will not list them. */
  async emails(accessToken: string): Promise<GithubEmail[]> {
    const response = await this.get("/user/emails", accessToken);
    if (!response.ok) return [];
    const body = await readJson("GET /user/emails", response);
    if (!Array.isArray(body)) return [];
    return body.flatMap((item) => {
      const entry = record(item);
      return typeof entry.email === "string"
        ? [{ email: entry.email, primary: entry.primary === true, verified: entry.verified === true }]
        : [];
    });
  }

  /** The org's login (GitHub's spelling) when the user is an active member; undefined when not. */
  async activeOrgMembership(accessToken: string, org: string): Promise<string | undefined> {
    const path = `/user/memberships/orgs/${encodeURIComponent(org)}`;
    const response = await this.get(path, accessToken);
    if (response.status === 404 || response.status === 403) return undefined;
    if (!response.ok) throw unexpected("GET /user/memberships/orgs", response);
    const body = record(await readJson("GET /user/memberships/orgs", response));
    const login = record(body.organization).login;
    if (body.state !== "active" || typeof login !== "string" || login.toLowerCase() !== org.toLowerCase()) {
      return undefined;
    }
    return login;
  }

  /** One page of the user's teams; `status` is GitHub's when it refused. */
  async teamsPage(accessToken: string, page: number): Promise<{ teams: GithubTeam[] } | { status: number }> {
    const response = await this.get(`/user/teams?per_page=100&page=${page}`, accessToken);
    if (!response.ok) return { status: response.status };
    const body = await readJson("GET /user/teams", response);
    if (!Array.isArray(body)) return { teams: [] };
    return {
      teams: body.flatMap((item) => {
        const team = record(item);
        const org = record(team.organization).login;
        return typeof team.slug === "string" && typeof org === "string"
          ? [{ slug: team.slug.toLowerCase(), org: org.toLowerCase() }]
          : [];
      }),
    };
  }
}
