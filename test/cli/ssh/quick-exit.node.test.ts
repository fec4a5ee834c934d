import type { AddressInfo } from "node:net";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectSsh } from "../../../src/cli/ssh/connect";
import { generateEd25519KeyPair } from "../../../src/local/ssh/host-key";

// A server that answers an exec with its exit status in the same breath, the way a machine
// running a quick command does: reply, exit-status and close can reach the client in one read.
let server: InstanceType<typeof ssh2.Server>;
let port = 0;
const clientKey = generateEd25519KeyPair();

beforeAll(async () => {
  server = new ssh2.Server({ hostKeys: [generateEd25519KeyPair().private] }, (client) => {
    client.on("authentication", (ctx) =>
      ctx.method === "publickey" ? ctx.accept() : ctx.reject(["publickey"]),
    );
    client.on("session", (accept) => {
      accept().on("exec", (acceptExec, _reject, info) => {
        const stream = acceptExec();
        const status = Number(/exit (\d+)/.exec(info.command)?.[1] ?? 0);
        stream.write("out\n");
        stream.exit(status);
        stream.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => server.close());

describe("exec against a server that exits at once", () => {
  it("reports the exit status of a command whose status arrives with the exec reply", async () => {
    const session = await connectSsh({
      host: "127.0.0.1",
      port,
      username: "crabbox",
      privateKey: clientKey.private,
      hostKeyPolicy: "accept-any",
    });
    try {
      for (const status of [0, 3, 42, 0, 7]) {
        let out = "";
        const result = await session.exec(`exit ${status}`, { onStdout: (chunk) => (out += chunk) });
        expect(result.exitCode).toBe(status);
        expect(out).toBe("out\n");
      }
    } finally {
      session.close();
    }
  });
});
