/**
 * How the coordinator and a pool agent authenticate each other (docs/providers.md#ready-pools).
 * The per-machine token is HMAC-SHA256(fleet secret, machine name): derived again on every
 * call, so nothing secret is stored in the Durable Object or the log. A request's signature is
 * HMAC-SHA256(token, method \n path \n unix seconds \n hex SHA-256 of the body); the agent
 * refuses a bad one and a timestamp more than `timestampSkewSeconds` away from its clock.
 */

import { hex } from "../../domain/hex";

export const timestampHeader = "X-Crabbox-Timestamp";
export const signatureHeader = "X-Crabbox-Signature";
export const timestampSkewSeconds = 120;

const encoder = new TextEncoder();

async function hmacHex(key: string, message: string): Promise<string> {
  const imported = await crypto.subtle.importKey(
    "raw",
    encoder.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return hex(await crypto.subtle.sign("HMAC", imported, encoder.encode(message)));
}

/** The token of one pool machine (its pool machine id is its name here). */
export function poolAgentToken(secret: string, machineName: string): Promise<string> {
  return hmacHex(secret, `crabbox-pool-agent:${machineName}`);
}

export async function signAgentRequest(
  token: string,
  request: { method: string; path: string; timestamp: number; body: string },
): Promise<string> {
  const digest = hex(await crypto.subtle.digest("SHA-256", encoder.encode(request.body)));
  return hmacHex(token, [request.method, request.path, String(request.timestamp), digest].join("\n"));
}
