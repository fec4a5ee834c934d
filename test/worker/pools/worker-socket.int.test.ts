import { describe, expect, inject, it } from "vitest";
import { PoolAgentClient } from "../../../src/providers/pool-agent/client";
import { workerConnect } from "../../../src/worker/agent-socket";

// The Worker's own `connect()` of `cloudflare:sockets` under the pool agent client: raw TCP from
// workerd to a Node server outside it (the workerd project's loopback webhook receiver, which is
// no pool agent: Node answers it chunked, which the agent never does and the client refuses
// after reading the answer's head; what matters is that the bytes went both ways).

const receiver = new URL(inject("webhookReceiverUrl"));

describe("the pool agent client over the Worker's sockets", () => {
  it("exchanges HTTP/1.1 over raw TCP with a server outside workerd", async () => {
    const client = new PoolAgentClient({ connect: workerConnect, secret: "s", port: Number(receiver.port) });
    await expect(client.isReady(receiver.hostname, "m")).rejects.toThrow(
      "pool agent GET /ready failed: the pool agent's answer is chunked",
    );
  });

  it("counts a port nothing listens on as not ready", async () => {
    const client = new PoolAgentClient({ connect: workerConnect, secret: "s", port: 1, timeoutMs: 2_000 });
    expect(await client.isReady("127.0.0.1", "m")).toBe(false);
  });
});
