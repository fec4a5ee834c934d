/**
 * `cloudflare:sockets`' `connect()` for Node tests: a `node:net` socket with the same
 * readable/writable/opened/close shape (src/providers/pool-agent/http.ts).
 */
import { connect as netConnect } from "node:net";
import { Duplex } from "node:stream";
import type { AgentSocket, ConnectSocket } from "../../src/providers/pool-agent/http";

export const nodeConnect: ConnectSocket = ({ hostname, port }): AgentSocket => {
  const socket = netConnect({ host: hostname, port });
  const opened = new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  opened.catch(() => undefined);
  const web = Duplex.toWeb(socket) as unknown as {
    readable: ReadableStream<Uint8Array>;
    writable: WritableStream<Uint8Array>;
  };
  return {
    readable: web.readable,
    writable: web.writable,
    opened,
    close: async () => {
      socket.destroy();
    },
  };
};
