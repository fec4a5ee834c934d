/**
 * The Entra client-credentials token request (src/providers/azure/credential.ts): a connection
 * that fails outright is tried again within the deadline, and the error that ends it names the
 * network's code, never the client secret.
 */
import { describe, expect, it } from "vitest";
import { ClientSecretFetchCredential } from "../../../src/providers/azure/credential";

const secret = "client-secret-that-must-not-leak";

function credential(fetch: typeof globalThis.fetch, timeoutMs = 5_000) {
  return new ClientSecretFetchCredential({
    tenantId: "tenant",
    clientId: "client",
    clientSecret: secret,
    loginEndpoint: "https://login.example.test",
    timeoutMs,
    fetch,
  });
}

const reset = () => Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } });
const token = () => new Response(JSON.stringify({ access_token: "t", expires_in: 3600 }), { status: 200 });

describe("the Azure token request", () => {
  it("gets its token when the first connection is reset", async () => {
    let calls = 0;
    const c = credential(async () => {
      calls++;
      if (calls === 1) throw reset();
      return token();
    });
    await expect(c.getToken("scope")).resolves.toMatchObject({ token: "t" });
    expect(calls).toBe(2);
  });

  it("gives up after three failed connections, naming the network code and not the secret", async () => {
    let calls = 0;
    const c = credential(async () => {
      calls++;
      throw reset();
    });
    const error = await c.getToken("scope").catch((e: Error) => e);
    expect(String(error)).toMatch(/azure token request failed to connect \(ECONNRESET\)/);
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(String(error)).not.toContain(secret);
    expect(calls).toBe(3);
  });

  it("does not retry past its deadline: a hung request is a timeout", async () => {
    const c = credential(
      (_url, init) =>
        new Promise((_resolve, reject) =>
          init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))),
        ),
      50,
    );
    await expect(c.getToken("scope")).rejects.toThrow(/azure token request timed out/);
  });
});
