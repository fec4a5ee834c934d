import type { ChildProcess } from "node:child_process";
import { timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import ssh2, { type Connection, type ParsedKey } from "ssh2";
import { CrabboxError } from "../../errors";
import { handleSession, type MachineShell, signalGroup } from "./session";

// ssh2 is CommonJS: Node's ESM loader cannot see its named exports, so read them off the default.
const { Server, utils } = ssh2;

export interface MachineSshServerOptions {
  /** OpenSSH-format private host key of this machine. */
  hostKey: string;
  /** The lease's public key (`ssh-ed25519 AAAA…`); the only key that may log in. */
  authorizedKey: string;
  shell: MachineShell;
}

/**
 * The SSH endpoint of one local machine: loopback only, key-only authentication with the
 * lease key, any user name (like a cloud image's single login user), exec and shell sessions.
 */
export class MachineSshServer {
  private readonly server: InstanceType<typeof Server>;
  private readonly connections = new Set<Connection>();
  private readonly processes = new Set<ChildProcess>();
  private allowed: ParsedKey;
  private allowedBlob: Buffer;

  constructor(options: MachineSshServerOptions) {
    this.allowed = parseAuthorizedKey(options.authorizedKey);
    this.allowedBlob = this.allowed.getPublicSSH();
    this.server = new Server({ hostKeys: [options.hostKey] }, (client, info) => {
      this.connections.add(client);
      // Small SSH packets (an exec's success reply, then its exit status) must not wait for
      // Nagle's algorithm; held back, they reach the client in one read.
      (client as Connection & { setNoDelay(noDelay: boolean): unknown }).setNoDelay(true);
      client.on("close", () => this.connections.delete(client));
      client.on("error", () => {});
      client.on("authentication", (ctx) => {
        if (ctx.method !== "publickey") return ctx.reject(["publickey"]);
        const offered = ctx.key.data;
        const allowedBlob = this.allowedBlob;
        if (offered.length !== allowedBlob.length || !timingSafeEqual(offered, allowedBlob)) {
          return ctx.reject(["publickey"]);
        }
        if (
          ctx.signature &&
          ctx.blob &&
          this.allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true
        ) {
          return ctx.reject(["publickey"]);
        }
        ctx.accept();
      });
      client.on("ready", () => {
        client.on("session", (accept) => {
          // As OpenSSH does: which connection a command came over (docs/sync.md#ssh-connection-holder).
          const shell = {
            ...options.shell,
            env: {
              ...options.shell.env,
              SSH_CONNECTION: `${info.ip} ${info.port} ${serverAddress(this.server)}`,
            },
          };
          handleSession(accept(), shell, (child) => {
            this.processes.add(child);
            child.on("close", () => this.processes.delete(child));
          });
        });
      });
    });
  }

  /** Listens on 127.0.0.1; port 0 picks a free one. Resolves with the bound port. */
  /** Listens on loopback; `host` may be another 127.x address (tests that need a fixed port). */
  /**
   * Makes `publicKey` the only key that opens this machine (a pool machine handed to its
   * lease, docs/providers.md#ready-pools); sessions opened before keep running.
   */
  authorize(publicKey: string): void {
    const key = parseAuthorizedKey(publicKey);
    this.allowed = key;
    this.allowedBlob = key.getPublicSSH();
  }

  listen(port: number, host = "127.0.0.1"): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once("error", onError);
      this.server.listen(port, host, () => {
        this.server.off("error", onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting, kills every command still running, drops every connection. */
  async close(): Promise<void> {
    for (const child of this.processes) signalGroup(child, "SIGKILL");
    for (const client of this.connections) client.end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function parseAuthorizedKey(text: string): ParsedKey {
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error)
    throw new CrabboxError("invalid_request", `sshPublicKey: ${parsed.message}`, { field: "sshPublicKey" });
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key)
    throw new CrabboxError("invalid_request", "sshPublicKey: no key found", { field: "sshPublicKey" });
  return key;
}

function serverAddress(server: InstanceType<typeof Server>): string {
  const address = server.address() as AddressInfo | null;
  return address ? `${address.address} ${address.port}` : "127.0.0.1 0";
}
