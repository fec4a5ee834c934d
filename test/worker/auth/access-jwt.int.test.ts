import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base64UrlEncode } from "../../../src/worker/auth/encoding";
import { interceptFetch } from "../../support/fake-github";
import { adminToken, bearer, callWorker, sharedToken } from "../http/worker-call";

const team = "crabs.cloudflareaccess.test";
const audience = "aud-0123456789abcdef";
const kid = "test-key-1";
const access = { CRABBOX_ACCESS_TEAM_DOMAIN: `https://${team}/`, CRABBOX_ACCESS_AUD: audience };

let signingKey: CryptoKey;
let certsFetches = 0;
let restore: () => void;

function encodeJson(value: unknown): string {
  return base64UrlEncode(new TextEncoder().encode(JSON.stringify(value)));
}

async function jwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: "RS256", kid }) {
  const signed = `${encodeJson(header)}.${encodeJson(claims)}`;
  const signature = await crypto.subtle.sign(
    "RSASSA-PKCS1-v1_5",
    signingKey,
    new TextEncoder().encode(signed),
  );
  return `${signed}.${base64UrlEncode(new Uint8Array(signature))}`;
}

function validClaims(overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    aud: [audience],
    iss: `https://${team}`,
    email: "carol@example.com",
    exp: now + 600,
    nbf: now - 5,
    ...overrides,
  };
}

async function ownerWith(assertion: string, token = sharedToken, overrides = {}) {
  const res = await callWorker(
    "/v1/whoami",
    {
      headers: bearer(token, {
        "x-crabbox-owner": "header@example.com",
        "cf-access-jwt-assertion": assertion,
      }),
    },
    { ...access, ...overrides },
  );
  expect(res.status).toBe(200);
  return (await res.json()) as { owner: string; admin: boolean; accessVerified?: boolean };
}

beforeAll(async () => {
  const pair = (await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  signingKey = pair.privateKey;
  const publicJwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  restore = interceptFetch(`https://${team}`, async (request) => {
    if (new URL(request.url).pathname !== "/cdn-cgi/access/certs")
      return new Response("not found", { status: 404 });
    certsFetches++;
    return Response.json({ keys: [{ ...publicJwk, kid, alg: "RS256", use: "sig" }] });
  });
});

afterAll(() => restore());

describe("Cloudflare Access identity for bearer callers", () => {
  it("uses the verified Access e-mail as the owner, fetching the team's keys once", async () => {
    expect(await ownerWith(await jwt(validClaims()))).toMatchObject({
      owner: "carol@example.com",
      admin: false,
    });
    expect(await ownerWith(await jwt(validClaims()), adminToken)).toMatchObject({
      owner: "carol@example.com",
      admin: true,
    });
    expect(certsFetches).toBe(1);
  });

  it("falls back to the header owner for any JWT that does not verify", async () => {
    const now = Math.floor(Date.now() / 1000);
    const rejected = [
      await jwt(validClaims({ aud: ["someone-else"] })),
      await jwt(validClaims({ iss: "https://evil.cloudflareaccess.test" })),
      await jwt(validClaims({ exp: now - 1 })),
      await jwt(validClaims({ nbf: now + 300 })),
      await jwt(validClaims(), { alg: "HS256", kid }),
      await jwt(validClaims(), { alg: "RS256", kid: "unknown-kid" }),
      `${(await jwt(validClaims())).slice(0, -4)}AAAA`,
      "not-a-jwt",
    ];
    for (const assertion of rejected) {
      const identity = await ownerWith(assertion);
      expect(identity.owner, assertion.slice(0, 40)).toBe("header@example.com");
      expect(identity.accessVerified).toBeUndefined();
    }
  });

  it("ignores Access entirely unless both the team domain and the audience are configured", async () => {
    const token = await jwt(validClaims());
    expect((await ownerWith(token, sharedToken, { CRABBOX_ACCESS_AUD: undefined })).owner).toBe(
      "header@example.com",
    );
  });

  it("does not let an Access JWT alone authenticate", async () => {
    const res = await callWorker(
      "/v1/whoami",
      { headers: { "cf-access-jwt-assertion": await jwt(validClaims()) } },
      access,
    );
    expect(res.status).toBe(401);
  });
});
