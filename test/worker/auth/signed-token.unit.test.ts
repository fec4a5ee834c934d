import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mintToken, tokenKindOf, verifyToken } from "../../../src/worker/auth/signed-token";

const secret = "unit-test-session-secret";
const now = Date.UTC(2026, 10, 28, 12);

const identity = fc.record(
  {
    owner: fc.string({ minLength: 1, maxLength: 40 }),
    org: fc.string({ minLength: 1, maxLength: 20 }),
    login: fc.string({ minLength: 1, maxLength: 20 }),
    name: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: ["owner", "org", "login"] },
);

describe("signed tokens", () => {
  it("verify what they mint, for any identity, until they expire", async () => {
    await fc.assert(
      fc.asyncProperty(identity, fc.integer({ min: 3600, max: 365 * 24 * 3600 }), async (who, lifetime) => {
        const token = await mintToken("user", who, secret, now, lifetime);
        expect(tokenKindOf(token)).toBe("user");
        const claims = await verifyToken("user", token, secret, now + (lifetime - 1) * 1000);
        expect(claims).toMatchObject({ ...who, typ: "crabbox-user" });
        expect(await verifyToken("user", token, secret, now + lifetime * 1000)).toBeUndefined();
      }),
      { numRuns: 50 },
    );
  });

  it("reject any single-character change", async () => {
    const token = await mintToken(
      "user",
      { owner: "alice@example.com", org: "crabclub", login: "alice" },
      secret,
      now,
    );
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: token.length - 1 }),
        fc.constantFrom(...alphabet),
        async (index, replacement) => {
          const changed = token.slice(0, index) + replacement + token.slice(index + 1);
          fc.pre(changed !== token);
          expect(await verifyToken("user", changed, secret, now)).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reject a signature spelled differently even when it decodes to the same bytes", async () => {
    const token = await mintToken("user", { owner: "a@example.com", org: "o", login: "a" }, secret, now);
    const last = token.at(-1) ?? "";
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // A 32-byte MAC leaves two unused bits in its last base64url character.
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] ?? "";
    expect(await verifyToken("user", token.slice(0, -1) + sibling, secret, now)).toBeUndefined();
  });

  it("are bound to their kind and their secret", async () => {
    const who = { owner: "alice@example.com", org: "crabclub", login: "alice" };
    const session = await mintToken("session", who, secret, now);
    expect(session.startsWith("cbxs_")).toBe(true);
    expect(await verifyToken("session", session, secret, now)).toMatchObject({ typ: "crabbox-session" });
    expect(await verifyToken("user", session, secret, now)).toBeUndefined();
    expect(await verifyToken("user", `cbxu_${session.slice(5)}`, secret, now)).toBeUndefined();
    const user = await mintToken("user", who, secret, now);
    expect(await verifyToken("user", user, "another-secret", now)).toBeUndefined();
    expect(await verifyToken("user", user, undefined, now)).toBeUndefined();
    await expect(mintToken("user", who, "", now)).rejects.toThrow();
  });
});
