/**
 * Pending GitHub logins, kept in the Fleet Durable Object's SQLite (docs/identity.md#github-login-cli-flow).
 *
 * A login lives at most 10 minutes: `start` → (callback) `claim` → `complete` | `fail` →
 * `poll` hands the outcome out once and forgets it. Nothing here enters the event log: the
 * rows hold a hash of the client's poll secret and, once verified, the GitHub identity —
 * never a GitHub access token and never a Crabbox token (the Worker mints that at poll time).
 *
 * The Fleet DO exposes this through one RPC method:
 *   githubLogin(command: LoginCommand): Promise<RpcResult<LoginResult>>
 *     → asRpc(() => this.logins.handle(command))   with   this.logins = new PendingLogins(ctx.storage.sql)
 */
import { CrabboxError } from "../../errors";
import type { TokenIdentity } from "../auth/signed-token";

export type LoginCommand =
  | {
      op: "start";
      loginID: string;
      state: string;
      pollSecretHash: string;
      provider?: string;
      now: number;
      lifetimeMs: number;
      /** Most unexpired pending logins allowed at once. */
      cap: number;
      /** The caller's address (`CF-Connecting-IP`) and the most pending logins it may hold. */
      clientIp?: string;
      capPerClient: number;
    }
  /** The OAuth callback takes the login for verification; a second callback for it finds nothing. */
  | { op: "claim"; state: string; now: number }
  | { op: "complete"; loginID: string; identity: TokenIdentity; now: number }
  | { op: "fail"; loginID: string; message: string; now: number }
  | { op: "poll"; loginID: string; pollSecretHash: string; now: number };

export type LoginResult =
  | { op: "started"; expiresAt: number }
  | { op: "claimed"; loginID: string; provider?: string }
  | { op: "not_found" }
  | { op: "recorded" }
  | { op: "poll"; status: "expired" }
  | { op: "poll"; status: "forbidden" }
  | { op: "poll"; status: "pending"; expiresAt: number }
  | { op: "poll"; status: "failed"; error: string }
  | { op: "poll"; status: "complete"; identity: TokenIdentity; provider?: string };

interface LoginRow extends Record<string, SqlStorageValue> {
  id: string;
  state: string;
  poll_secret_hash: string;
  provider: string | null;
  client_ip: string | null;
  expires_at: number;
  status: string;
  error: string | null;
  owner: string | null;
  org: string | null;
  login: string | null;
  name: string | null;
}

const schema = `
CREATE TABLE IF NOT EXISTS github_pending_logins (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL UNIQUE,
  poll_secret_hash TEXT NOT NULL,
  provider TEXT,
  client_ip TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'verifying', 'complete', 'failed')),
  error TEXT,
  owner TEXT,
  org TEXT,
  login TEXT,
  name TEXT
);
CREATE INDEX IF NOT EXISTS github_pending_logins_expires ON github_pending_logins (expires_at);
CREATE INDEX IF NOT EXISTS github_pending_logins_client ON github_pending_logins (client_ip);
`;

/** Equal-length hex digests compared without an early exit. */
function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

export class PendingLogins {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(schema);
  }

  handle(command: LoginCommand): LoginResult {
    switch (command.op) {
      case "start":
        return this.start(command);
      case "claim":
        return this.claim(command.state, command.now);
      case "complete":
        return this.finish(command.loginID, command.now, {
          status: "complete",
          owner: command.identity.owner,
          org: command.identity.org,
          login: command.identity.login,
          name: command.identity.name ?? null,
        });
      case "fail":
        return this.finish(command.loginID, command.now, { status: "failed", error: command.message });
      case "poll":
        return this.poll(command.loginID, command.pollSecretHash, command.now);
    }
  }

  private start(command: Extract<LoginCommand, { op: "start" }>): LoginResult {
    this.sql.exec("DELETE FROM github_pending_logins WHERE expires_at <= ?", command.now);
    const live = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM github_pending_logins").one().n;
    if (live >= command.cap) {
      throw new CrabboxError("login_rate_limited", "Too many pending GitHub logins. Try again shortly.");
    }
    // One client cannot use up the global cap and lock everyone else out of logging in.
    if (command.clientIp !== undefined) {
      const mine = this.sql
        .exec<{ n: number }>(
          "SELECT COUNT(*) AS n FROM github_pending_logins WHERE client_ip = ?",
          command.clientIp,
        )
        .one().n;
      if (mine >= command.capPerClient) {
        throw new CrabboxError(
          "login_rate_limited",
          "Too many pending GitHub logins from this address. Try again shortly.",
        );
      }
    }
    const expiresAt = command.now + command.lifetimeMs;
    this.sql.exec(
      `INSERT INTO github_pending_logins (id, state, poll_secret_hash, provider, client_ip, created_at, expires_at, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')`,
      command.loginID,
      command.state,
      command.pollSecretHash,
      command.provider ?? null,
      command.clientIp ?? null,
      command.now,
      expiresAt,
    );
    return { op: "started", expiresAt };
  }

  private row(where: "id" | "state", value: string, now: number): LoginRow | undefined {
    const rows = this.sql
      .exec<LoginRow>(`SELECT * FROM github_pending_logins WHERE ${where} = ? AND expires_at > ?`, value, now)
      .toArray();
    return rows[0];
  }

  private claim(state: string, now: number): LoginResult {
    const row = this.row("state", state, now);
    if (row?.status !== "pending") return { op: "not_found" };
    this.sql.exec("UPDATE github_pending_logins SET status = 'verifying' WHERE id = ?", row.id);
    return { op: "claimed", loginID: row.id, ...(row.provider ? { provider: row.provider } : {}) };
  }

  private finish(loginID: string, now: number, outcome: Partial<LoginRow> & { status: string }): LoginResult {
    const row = this.row("id", loginID, now);
    if (row?.status !== "verifying") return { op: "not_found" };
    this.sql.exec(
      `UPDATE github_pending_logins SET status = ?, error = ?, owner = ?, org = ?, login = ?, name = ? WHERE id = ?`,
      outcome.status,
      outcome.error ?? null,
      outcome.owner ?? null,
      outcome.org ?? null,
      outcome.login ?? null,
      outcome.name ?? null,
      loginID,
    );
    return { op: "recorded" };
  }

  private poll(loginID: string, pollSecretHash: string, now: number): LoginResult {
    const row = this.row("id", loginID, now);
    if (!row) return { op: "poll", status: "expired" };
    if (!sameDigest(row.poll_secret_hash, pollSecretHash)) return { op: "poll", status: "forbidden" };
    switch (row.status) {
      case "pending":
      case "verifying":
        return { op: "poll", status: "pending", expiresAt: row.expires_at };
      case "failed":
        this.sql.exec("DELETE FROM github_pending_logins WHERE id = ?", loginID);
        return { op: "poll", status: "failed", error: row.error ?? "GitHub login failed" };
      case "complete": {
        this.sql.exec("DELETE FROM github_pending_logins WHERE id = ?", loginID);
        const identity: TokenIdentity = {
          owner: row.owner ?? "",
          org: row.org ?? "",
          login: row.login ?? "",
        };
        if (row.name) identity.name = row.name;
        return {
          op: "poll",
          status: "complete",
          identity,
          ...(row.provider ? { provider: row.provider } : {}),
        };
      }
      default:
        throw new Error(`pending login in unknown status ${row.status}`);
    }
  }
}
