/**
 * The holder's side: one open SshSession served over a Unix socket (docs/sync.md#ssh-connection-holder).
 * Every request is one socket connection; an exec runs through the session's own `exec`, so
 * the watchdog, env quoting, signals and exit statuses are exactly those of a direct run.
 */
import { rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { PassThrough, Writable } from "node:stream";
import { isCrabboxError } from "../../../errors";
import type { SshSession } from "../session-types";
import { FrameReader, frame, type HolderHeader, type HolderIdentity, type HolderInfo } from "./protocol";

export interface ServeOptions {
  identity: HolderIdentity;
  socketPath: string;
  idleMs: number;
  /** The lease's expiry; the holder never outlives it. A client may move it later. */
  expiresAtMs: number;
  /** True when the socket file in the way is left over (no holder answers on it). */
  isStale: () => Promise<boolean>;
}

/** Serves until the SSH connection closes, the lease expires, idles out or `stop` is asked; then resolves. */
export function serveHolder(session: SshSession, options: ServeOptions): Promise<string> {
  return new Promise((resolve) => {
    let clients = 0;
    let served = 0;
    let expiresAtMs = options.expiresAtMs;
    let idleTimer: NodeJS.Timeout | undefined;
    let expiryTimer: NodeJS.Timeout | undefined;
    let server: Server | undefined;
    let listening = false;
    const exit = (why: string) => {
      clearTimeout(idleTimer);
      clearTimeout(expiryTimer);
      server?.close();
      // never another holder's socket
      if (listening) rmSync(options.socketPath, { force: true });
      session.close();
      resolve(why);
    };
    const armExpiry = () => {
      clearTimeout(expiryTimer);
      expiryTimer = setTimeout(
        () => exit("lease expired"),
        Math.max(0, Math.min(expiresAtMs - Date.now(), 2 ** 31 - 1)),
      );
    };
    const armIdle = () => {
      clearTimeout(idleTimer);
      if (clients === 0) idleTimer = setTimeout(() => exit("idle"), options.idleMs);
    };
    const info = (): HolderInfo => ({
      ...options.identity,
      hostKeyFingerprint: session.hostKeyFingerprint,
      pid: process.pid,
      handshakes: 1,
      served,
    });
    const matches = (h: HolderIdentity) =>
      h.leaseID === options.identity.leaseID &&
      h.host === options.identity.host &&
      h.port === options.identity.port &&
      h.username === options.identity.username;

    const onHeader = (
      socket: Socket,
      reader: FrameReader,
      header: HolderHeader,
      rest: ReturnType<FrameReader["push"]>,
    ) => {
      if (header.op === "stop") {
        if (header.leaseID !== options.identity.leaseID)
          return socket.end(frame("f", JSON.stringify({ message: "another lease" })));
        socket.end(frame("x", "{}"));
        return exit("stopped");
      }
      if (!matches(header)) {
        return socket.end(
          frame("f", JSON.stringify({ code: "ssh_failed", message: "the holder serves another machine" })),
        );
      }
      if (header.op === "info") {
        if (header.expiresAtMs !== undefined && header.expiresAtMs > Date.now()) {
          expiresAtMs = header.expiresAtMs;
          armExpiry();
        }
        // the socket stays open: it is the client session's `closed`
        return socket.write(frame("n", JSON.stringify(info())));
      }
      served++;
      runExec(socket, reader, header, rest);
    };

    const runExec = (
      socket: Socket,
      reader: FrameReader,
      header: Extract<HolderHeader, { op: "exec" }>,
      rest: ReturnType<FrameReader["push"]>,
    ) => {
      const abort = new AbortController();
      const stdin = header.stdin ? new PassThrough() : undefined;
      let finished = false;
      const handle = (f: { type: string; payload: Buffer }) => {
        if (f.type === "i") stdin?.write(f.payload);
        else if (f.type === "E") stdin?.end();
        else if (f.type === "a") abort.abort();
      };
      rest.forEach(handle);
      socket.on("data", (chunk: Buffer) => reader.push(chunk).forEach(handle));
      // A client that went away (its process died) stops its command, as a dropped SSH connection would.
      socket.on("close", () => {
        stdin?.end();
        if (!finished) abort.abort();
      });
      const stdout = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          if (socket.write(frame("o", chunk))) callback();
          else socket.once("drain", () => callback());
        },
      });
      session
        .exec(header.command, {
          stdout,
          onStderr: (chunk) => socket.write(frame("e", chunk)),
          ...(stdin === undefined ? {} : { stdin }),
          signal: abort.signal,
          killGraceMs: header.killGraceMs,
          watchdog: header.watchdog,
          ...(header.env === undefined ? {} : { env: header.env }),
        })
        .then(
          (result) => {
            finished = true;
            // stdout frames queued in the Writable go out before the result
            stdout.end(() => socket.end(frame("x", JSON.stringify(result))));
          },
          (error: unknown) => {
            finished = true;
            const failure = isCrabboxError(error)
              ? { code: error.code, message: error.message, details: error.details }
              : { code: "ssh_failed", message: (error as Error).message };
            socket.end(frame("f", JSON.stringify(failure)));
          },
        );
    };

    server = createServer((socket) => {
      clients++;
      clearTimeout(idleTimer);
      socket.on("error", () => {});
      socket.on("close", () => {
        clients--;
        armIdle();
      });
      const reader = new FrameReader();
      const first = (chunk: Buffer) => {
        const frames = reader.push(chunk);
        if (frames.length === 0) return;
        socket.off("data", first);
        const [head, ...rest] = frames;
        // A client that does not open with a readable header is no crabbox of this user's.
        const header = head?.type === "h" ? parseHeader(head.payload) : undefined;
        if (!header) {
          socket.destroy();
          return;
        }
        onHeader(socket, reader, header, rest);
      };
      socket.on("data", first);
    });
    // Only the owner may connect: the directory is 0700, and the socket is created 0600.
    const umask = process.umask(0o177);
    server.on("listening", () => {
      listening = true;
      process.umask(umask);
      armIdle();
      armExpiry();
    });
    server.listen(options.socketPath);
    let retried = false;
    server.on("error", (error: NodeJS.ErrnoException) => {
      // Another holder may have started meanwhile (two commands at once): keep the one that
      // answers; only a socket file nobody listens on is replaced.
      if (error.code !== "EADDRINUSE" || retried) return exit("could not listen");
      retried = true;
      void options.isStale().then((stale) => {
        if (!stale) return exit("another holder serves this lease");
        rmSync(options.socketPath, { force: true });
        process.umask(0o177);
        server?.listen(options.socketPath);
      });
    });
    void session.closed.then(() => exit("ssh connection closed"));
  });
}

function parseHeader(payload: Buffer): HolderHeader | undefined {
  try {
    return JSON.parse(payload.toString()) as HolderHeader;
  } catch {
    return undefined;
  }
}
