/**
 * The CLI's side of the SSH connection holder (docs/sync.md#ssh-connection-holder): an
 * SshSession whose commands run on the holder's open connection. Loads neither ssh2 nor
 * anything else heavy; any failure to reach a holder means "no holder" and the caller connects
 * directly.
 */
import { existsSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { CrabboxError, type ErrorCode } from "../../../errors";
import { hostKeyFingerprint, pinnedHostKeys } from "../known-hosts";
import type { ExecOptions, ExecResult, SshSession } from "../session-types";
import {
  ensureHolderDir,
  FrameReader,
  frame,
  type HolderHeader,
  type HolderIdentity,
  type HolderInfo,
  holderSocketPath,
} from "./protocol";

type Env = Record<string, string | undefined>;

export interface HolderTarget extends HolderIdentity {
  knownHostsPath: string;
  hostKeyAlias: string;
  windows: boolean;
  expiresAtMs?: number;
  /** A direct session for what the holder does not serve (`shell`). */
  direct: () => Promise<SshSession>;
}

/** True when a holder socket exists for the lease (it may still be stale). */
export function holderSocketExists(env: Env, leaseID: string): boolean {
  return existsSync(holderSocketPath(env, leaseID));
}

function openRequest(path: string, header: HolderHeader): Promise<{ socket: Socket; reader: FrameReader }> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      socket.write(frame("h", JSON.stringify(header)));
      resolve({ socket, reader: new FrameReader() });
    });
  });
}

/** The holder's answer to `info`, or undefined for a missing, stale or mismatched holder. */
function askInfo(
  path: string,
  header: HolderHeader,
): Promise<{ socket: Socket; info: HolderInfo } | undefined> {
  return openRequest(path, header).then(
    ({ socket, reader }) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => done(undefined), 2000);
        const done = (value: { socket: Socket; info: HolderInfo } | undefined) => {
          clearTimeout(timer);
          socket.off("data", onData);
          if (!value) socket.destroy();
          resolve(value);
        };
        const onData = (chunk: Buffer) => {
          const [first] = reader.push(chunk);
          if (!first) return;
          if (first.type !== "n") return done(undefined);
          try {
            done({ socket, info: JSON.parse(first.payload.toString()) as HolderInfo });
          } catch {
            done(undefined);
          }
        };
        socket.on("data", onData);
        socket.once("close", () => done(undefined));
      }),
    () => undefined,
  );
}

/**
 * Reaches the lease's holder, if one runs for this lease, host, port and user, and its host
 * key is the one pinned for the lease. Never throws: every failure falls back to a direct connect.
 */
export async function connectHolder(env: Env, target: HolderTarget): Promise<SshSession | undefined> {
  let path: string;
  try {
    if (!holderSocketExists(env, target.leaseID)) return undefined;
    ensureHolderDir(env, false);
    path = holderSocketPath(env, target.leaseID);
  } catch {
    return undefined;
  }
  const identity: HolderIdentity = {
    leaseID: target.leaseID,
    host: target.host,
    port: target.port,
    username: target.username,
  };
  const answer = await askInfo(path, {
    op: "info",
    ...identity,
    ...(target.expiresAtMs === undefined ? {} : { expiresAtMs: target.expiresAtMs }),
  });
  if (!answer) return undefined;
  const pinned = pinnedHostKeys(target.knownHostsPath, target.hostKeyAlias).map((line) =>
    hostKeyFingerprint(Buffer.from(line.split(" ")[1] ?? "", "base64")),
  );
  if (!pinned.includes(answer.info.hostKeyFingerprint)) {
    answer.socket.destroy();
    return undefined;
  }
  return holderSession(path, identity, answer.info, answer.socket, target);
}

function holderSession(
  path: string,
  identity: HolderIdentity,
  info: HolderInfo,
  control: Socket,
  target: HolderTarget,
): SshSession {
  let open = true;
  let direct: Promise<SshSession> | undefined;
  const closed = new Promise<void>((resolve) => {
    control.on("error", () => {});
    control.once("close", () => {
      open = false;
      resolve();
    });
  });
  // The control connection only keeps the holder from idling out; it must not keep the CLI alive.
  control.unref();
  const exec = (command: string, options: ExecOptions = {}): Promise<ExecResult> => {
    if (options.signal?.aborted) return Promise.resolve({ exitCode: 130, signal: "INT", aborted: true });
    const watchdog =
      options.signal !== undefined && options.stdin === undefined && (options.watchdog ?? !target.windows);
    const header: HolderHeader = {
      op: "exec",
      ...identity,
      command,
      ...(options.env === undefined ? {} : { env: { ...options.env } }),
      killGraceMs: options.killGraceMs ?? 2000,
      watchdog,
      stdin: options.stdin !== undefined,
    };
    return openRequest(path, header).then(
      ({ socket, reader }) => runOnHolder(socket, reader, options),
      (error: Error) => {
        throw new CrabboxError(
          "ssh_failed",
          `the SSH connection holder for ${identity.leaseID} is gone: ${error.message}`,
          {
            stage: "disconnected",
          },
        );
      },
    );
  };
  return {
    host: identity.host,
    port: identity.port,
    username: identity.username,
    hostKeyFingerprint: info.hostKeyFingerprint,
    closed,
    isOpen: () => open,
    exec,
    async shell(options) {
      direct ??= target.direct();
      return (await direct).shell(options);
    },
    close() {
      open = false;
      control.destroy();
      void direct?.then(
        (s) => s.close(),
        () => {},
      );
    },
  };
}

function runOnHolder(socket: Socket, reader: FrameReader, options: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const onAbort = () => socket.write(frame("a"));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", onAbort);
      fn();
    };
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        if (f.type === "o") {
          if (options.stdout) {
            if (!options.stdout.write(f.payload)) {
              socket.pause();
              options.stdout.once("drain", () => socket.resume());
            }
          } else options.onStdout?.(f.payload);
        } else if (f.type === "e") options.onStderr?.(f.payload);
        else if (f.type === "x") settle(() => resolve(JSON.parse(f.payload.toString()) as ExecResult));
        else if (f.type === "f") {
          const failure = JSON.parse(f.payload.toString()) as {
            code?: string;
            message: string;
            details?: Record<string, unknown>;
          };
          settle(() =>
            reject(
              new CrabboxError((failure.code ?? "ssh_failed") as ErrorCode, failure.message, failure.details),
            ),
          );
        }
      }
    });
    socket.once("close", () =>
      settle(() =>
        reject(
          new CrabboxError("ssh_failed", "lost the SSH connection holder before the command finished", {
            stage: "disconnected",
          }),
        ),
      ),
    );
    const stdin = options.stdin;
    if (stdin === undefined) return;
    if (typeof stdin === "string" || stdin instanceof Uint8Array) {
      if (stdin.length > 0) socket.write(frame("i", Buffer.from(stdin)));
      socket.write(frame("E"));
      return;
    }
    stdin.on("data", (chunk: Buffer | string) => {
      if (!socket.write(frame("i", Buffer.from(chunk)))) {
        stdin.pause();
        socket.once("drain", () => stdin.resume());
      }
    });
    stdin.once("end", () => socket.write(frame("E")));
    stdin.once("error", () => socket.write(frame("a")));
  });
}

/** Asks the lease's holder to exit (`crabbox stop`); removes a stale socket. Never throws. */
export async function stopHolder(env: Env, leaseID: string): Promise<void> {
  const path = holderSocketPath(env, leaseID);
  if (!existsSync(path)) return;
  await new Promise<void>((resolve) => {
    const socket = connect(path);
    const timer = setTimeout(() => socket.destroy(), 2000);
    socket.on("error", () => {});
    socket.once("connect", () => socket.write(frame("h", JSON.stringify({ op: "stop", leaseID }))));
    // any answer means the holder got it and is exiting
    socket.once("data", () => socket.destroy());
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  rmSync(path, { force: true });
}
