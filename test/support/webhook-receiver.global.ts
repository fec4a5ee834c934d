/**
 * vitest global setup (workerd project): a webhook receiver on 127.0.0.1 in Node, outside
 * workerd, so the Fleet delivers over real HTTP. Each receiver name is configured by the test
 * (`POST /_control/{name}`: the signing secret, and how many requests to fail first), verifies
 * every delivery's Standard Webhooks signature with node:crypto, answers 401 to a bad one, and
 * records what it got (`GET /_control/{name}`).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { TestProject } from "vitest/node";
import { serveOnLoopback } from "./loopback-server";

interface Received {
  id: string | null;
  timestamp: string | null;
  signature: string | null;
  body: string;
  verified: boolean;
  answered: number;
}

interface Receiver {
  secret: string;
  failFirst: number;
  failStatus: number;
  received: Received[];
}

declare module "vitest" {
  export interface ProvidedContext {
    webhookReceiverUrl: string;
  }
}

function verify(secret: string, id: string, timestamp: string, body: string, header: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  // The header may carry several space-separated signatures; any valid `v1` one will do.
  return header.split(" ").some((part) => {
    const [version, value] = part.split(",");
    if (version !== "v1" || !value) return false;
    const got = Buffer.from(value, "base64");
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

export default async function setup(project: TestProject) {
  const receivers = new Map<string, Receiver>();
  const server = await serveOnLoopback(async (request) => {
    const url = new URL(request.url);
    const [, kind, name = ""] = url.pathname.split("/");
    if (kind === "_control") {
      if (request.method === "POST") {
        const config = (await request.json()) as { secret: string; failFirst?: number; failStatus?: number };
        receivers.set(name, {
          secret: config.secret,
          failFirst: config.failFirst ?? 0,
          failStatus: config.failStatus ?? 503,
          received: receivers.get(name)?.received ?? [],
        });
        return new Response(null, { status: 204 });
      }
      return Response.json({ received: receivers.get(name)?.received ?? [] });
    }
    const receiver = receivers.get(name);
    const body = await request.text();
    const id = request.headers.get("webhook-id");
    const timestamp = request.headers.get("webhook-timestamp");
    const signature = request.headers.get("webhook-signature");
    const verified =
      receiver !== undefined &&
      id !== null &&
      timestamp !== null &&
      signature !== null &&
      verify(receiver.secret, id, timestamp, body, signature);
    let answered = verified ? 204 : 401;
    if (verified && receiver && receiver.failFirst > 0) {
      receiver.failFirst--;
      answered = receiver.failStatus;
    }
    receiver?.received.push({ id, timestamp, signature, body, verified, answered });
    return new Response(null, { status: answered });
  });
  project.provide("webhookReceiverUrl", server.url);
  return () => server.close();
}
