import { type AddressInfo, createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PoolAgentClient } from "../../../src/providers/pool-agent/client";
import { nodeConnect } from "../../support/node-socket";

// The client's HTTP/1.1 over raw TCP against misbehaving peers (src/providers/pool-agent/http.ts).

const sockets: Socket[] = [];
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await close?.();
  close = undefined;
});

async function peer(onRequest: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.once("data", () => onRequest(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  close = () => new Promise((resolve) => server.close(() => resolve()));
  return (server.address() as AddressInfo).port;
}

const client = (port: number) =>
  new PoolAgentClient({ connect: nodeConnect, secret: "s", port, timeoutMs: 300 });

describe("the pool agent client's HTTP exchange", () => {
  it("counts a peer that accepts but never answers as not ready, within its deadline", async () => {
    const port = await peer(() => undefined);
    const started = Date.now();
    expect(await client(port).isReady("127.0.0.1", "m")).toBe(false);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("counts a peer that closes without answering as not ready, but fails a hand-over", async () => {
    const port = await peer((socket) => socket.end());
    expect(await client(port).isReady("127.0.0.1", "m")).toBe(false);
    await expect(client(port).authorizeKey("127.0.0.1", "m", "ssh-ed25519 AAAA x")).rejects.toMatchObject({
      code: "provider_error",
    });
  });

  it("refuses an answer over its size limit and one that is not HTTP", async () => {
    const big = await peer((socket) =>
      socket.end(`HTTP/1.1 200 OK\r\nContent-Length: 40000\r\n\r\n${"x".repeat(40_000)}`),
    );
    await expect(client(big).isReady("127.0.0.1", "m")).rejects.toThrow(/over 16384 bytes/);
    await close?.();
    const junk = await peer((socket) => socket.end("SSH-2.0-OpenSSH_9.6\r\n\r\n"));
    await expect(client(junk).isReady("127.0.0.1", "m")).rejects.toThrow(/not HTTP/);
  });

  it("reads an answer split across packets up to its Content-Length", async () => {
    const port = await peer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Le");
      setTimeout(() => socket.write('ngth: 14\r\n\r\n{"ready":'), 20);
      setTimeout(() => socket.write("true}"), 40);
    });
    expect(await client(port).isReady("127.0.0.1", "m")).toBe(true);
  });
});
