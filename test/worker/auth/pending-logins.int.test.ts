import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type LoginCommand, type LoginResult, PendingLogins } from "../../../src/worker/fleet/logins";

const minute = 60_000;
const hashA = "a".repeat(64);
const hashB = "b".repeat(64);
const carol = { owner: "carol@example.com", org: "crabclub", login: "carol" };

/** Each test gets its own Fleet object, so its SQLite starts empty. */
function withLogins<T>(name: string, run: (logins: PendingLogins, sql: SqlStorage) => T): Promise<T> {
  const stub = env.FLEET.get(env.FLEET.idFromName(`pending-logins-${name}`));
  return runInDurableObject(stub, (_instance, state) =>
    run(new PendingLogins(state.storage.sql), state.storage.sql),
  );
}

function startAt(now: number, n: number, cap = 100): Extract<LoginCommand, { op: "start" }> {
  return {
    op: "start",
    loginID: `login_${n}`,
    state: `state_${n}`,
    pollSecretHash: hashA,
    now,
    lifetimeMs: 10 * minute,
    cap,
    capPerClient: 100,
  };
}

describe("pending GitHub logins in the Fleet DO", () => {
  it("walks start → claim → complete → one-shot poll", () =>
    withLogins("walk", (logins) => {
      expect(logins.handle({ ...startAt(1000, 1), provider: "hetzner" })).toEqual({
        op: "started",
        expiresAt: 1000 + 10 * minute,
      });
      expect(logins.handle({ op: "poll", loginID: "login_1", pollSecretHash: hashA, now: 2000 })).toEqual({
        op: "poll",
        status: "pending",
        expiresAt: 1000 + 10 * minute,
      });
      expect(logins.handle({ op: "claim", state: "state_1", now: 3000 })).toEqual({
        op: "claimed",
        loginID: "login_1",
        provider: "hetzner",
      });
      expect(logins.handle({ op: "claim", state: "state_1", now: 3001 })).toEqual({ op: "not_found" });
      expect(logins.handle({ op: "complete", loginID: "login_1", identity: carol, now: 4000 })).toEqual({
        op: "recorded",
      });
      expect(logins.handle({ op: "poll", loginID: "login_1", pollSecretHash: hashB, now: 5000 })).toEqual({
        op: "poll",
        status: "forbidden",
      });
      expect(logins.handle({ op: "poll", loginID: "login_1", pollSecretHash: hashA, now: 5000 })).toEqual({
        op: "poll",
        status: "complete",
        identity: carol,
        provider: "hetzner",
      });
      expect(logins.handle({ op: "poll", loginID: "login_1", pollSecretHash: hashA, now: 5001 })).toEqual({
        op: "poll",
        status: "expired",
      });
    }));

  it("only records an outcome for a claimed login, and hands a failure out once", () =>
    withLogins("fail", (logins) => {
      logins.handle(startAt(0, 2));
      expect(logins.handle({ op: "fail", loginID: "login_2", message: "nope", now: 1 })).toEqual({
        op: "not_found",
      });
      logins.handle({ op: "claim", state: "state_2", now: 1 });
      logins.handle({ op: "fail", loginID: "login_2", message: "not in org", now: 2 });
      expect(logins.handle({ op: "complete", loginID: "login_2", identity: carol, now: 3 })).toEqual({
        op: "not_found",
      });
      const pollFor = { op: "poll", loginID: "login_2", pollSecretHash: hashA, now: 4 } as const;
      expect(logins.handle(pollFor)).toEqual({ op: "poll", status: "failed", error: "not in org" });
      expect(logins.handle(pollFor)).toEqual({ op: "poll", status: "expired" });
    }));

  it("forgets logins after ten minutes", () =>
    withLogins("expiry", (logins) => {
      logins.handle(startAt(0, 3));
      const late = 10 * minute;
      expect(logins.handle({ op: "poll", loginID: "login_3", pollSecretHash: hashA, now: late })).toEqual({
        op: "poll",
        status: "expired",
      });
      expect(logins.handle({ op: "claim", state: "state_3", now: late })).toEqual({ op: "not_found" });
    }));

  it("refuses a start beyond the cap, after deleting expired logins", () =>
    withLogins("cap", (logins, sql) => {
      logins.handle(startAt(0, 10, 2));
      logins.handle(startAt(1, 11, 2));
      expect(() => logins.handle(startAt(2, 12, 2))).toThrow(
        expect.objectContaining({ code: "login_rate_limited" }),
      );
      const results: LoginResult[] = [logins.handle(startAt(10 * minute + 1, 13, 2))];
      expect(results[0]).toMatchObject({ op: "started" });
      expect(sql.exec("SELECT id FROM github_pending_logins").toArray()).toEqual([{ id: "login_13" }]);
    }));

  it("caps pending logins per client address so one client cannot lock everyone out", () =>
    withLogins("per-client", (logins) => {
      const from = (ip: string | undefined, n: number) => ({
        ...startAt(n, n),
        capPerClient: 2,
        ...(ip ? { clientIp: ip } : {}),
      });
      logins.handle(from("203.0.113.7", 1));
      logins.handle(from("203.0.113.7", 2));
      expect(() => logins.handle(from("203.0.113.7", 3))).toThrow(
        expect.objectContaining({ code: "login_rate_limited" }),
      );
      expect(logins.handle(from("198.51.100.1", 4))).toMatchObject({ op: "started" });
      expect(logins.handle(from(undefined, 5))).toMatchObject({ op: "started" });
    }));
});
