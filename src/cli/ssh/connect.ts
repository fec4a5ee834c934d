/**
 * The SSH client of the CLI (ssh2, no system `ssh` needed): connect with a private key, pin the
 * host key, run commands with live output and exit status, forward Ctrl-C, open a pty shell.
 */
import { createRequire } from "node:module";
import type { ConnectConfig, Client as Ssh2Client } from "ssh2";
import { CrabboxError, isCrabboxError } from "../../errors";
import { sleepOrWake } from "../../time/sleep";
import { type HostKeyPolicy, hostAlias, hostKeyFingerprint, verifyHostKey } from "./known-hosts";
import { createSession } from "./session";
import type { SshSession } from "./session-types";

export type { ExecOptions, SshSession } from "./session-types";

/**
 * ssh2's index also loads its SSH server, HTTP agents and key generator at start-up; the
 * client needs none of them, and every `crabbox run` loads this (docs/cli.md, "Start-up").
 */
let clientClass: typeof Ssh2Client | undefined;
function ssh2Client(): typeof Ssh2Client {
  clientClass ??= createRequire(import.meta.url)("ssh2/lib/client.js") as typeof Ssh2Client;
  return clientClass;
}

/**
 * Loads ssh2 on the next turn of the event loop instead of at the first connect. Loading it is
 * ~25 ms of CPU; `run` calls this while it waits on git and the coordinator, so the load runs
 * while the process would otherwise be idle (docs/sync.md, "Inner loop").
 */
export function preloadSsh(): void {
  setImmediate(() => {
    try {
      ssh2Client();
    } catch {
      // the first connect raises it
    }
  });
}

export interface ConnectOptions {
  host: string;
  port: number;
  username: string;
  /** OpenSSH or PEM private key text. Never logged, never put in an error. */
  privateKey: string | Buffer;
  passphrase?: string;
  hostKeyPolicy: HostKeyPolicy;
  knownHostsPath?: string;
  /** Name the host key is pinned under; default `[host]:port`. Use the lease ID when addresses get reused. */
  hostKeyAlias?: string;
  /** Host key recorded by the coordinator (`ssh-ed25519 AAAA…`); when set it must match exactly. */
  expectedHostKey?: string;
  /** Handshake + authentication deadline per attempt (default 15 s). */
  timeoutMs?: number;
  /** Extra attempts on transient network failures (refused, reset, timeout), with backoff. Default 0. */
  retries?: number;
  /** Cancels connecting (and the backoff between attempts). */
  signal?: AbortSignal;
  /**
   * The remote shell family (default POSIX). Windows commands are never wrapped by the POSIX
   * Ctrl-C watchdog; they are stopped by the signal request and closing the channel.
   */
  os?: "linux" | "macos" | "windows";
}

// Native AES-GCM first: Node's OpenSSL does it with AES-NI, several times faster than the rest.
const ALGORITHMS: ConnectConfig["algorithms"] = {
  cipher: [
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes256-ctr",
  ],
  compress: ["none"],
};

const TRANSIENT = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

function isTransient(error: unknown): boolean {
  if (isCrabboxError(error)) return error.details?.stage === "connect" || error.details?.stage === "timeout";
  return false;
}

export async function connectSsh(options: ConnectOptions): Promise<SshSession> {
  const attempts = 1 + Math.max(0, options.retries ?? 0);
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectOnce(options);
    } catch (error) {
      if (attempt >= attempts || !isTransient(error) || options.signal?.aborted) throw error;
      await sleepOrWake(delay, options.signal);
      delay = Math.min(delay * 2, 5000);
    }
  }
}

function connectOnce(options: ConnectOptions): Promise<SshSession> {
  const where = `${options.host}:${options.port}`;
  return new Promise((resolve, reject) => {
    const client = new (ssh2Client())();
    let hostKeyError: CrabboxError | undefined;
    let fingerprint = "";
    let settled = false;
    let open = false;
    let markClosed: () => void = () => {};
    const closed = new Promise<void>((r) => {
      markClosed = r;
    });
    const fail = (error: CrabboxError) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", onAbort);
      client.end();
      reject(error);
    };
    const onAbort = () =>
      fail(new CrabboxError("ssh_failed", `connecting to ${where} was cancelled`, { stage: "cancelled" }));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });

    client.on("ready", () => {
      if (settled) {
        client.end();
        return;
      }
      settled = true;
      open = true;
      options.signal?.removeEventListener("abort", onAbort);
      resolve(
        createSession(client, {
          host: options.host,
          port: options.port,
          username: options.username,
          fingerprint,
          closed,
          isOpen: () => open,
          windows: options.os === "windows",
        }),
      );
    });
    client.on("error", (error: Error & { level?: string; code?: string }) => {
      if (hostKeyError) return fail(hostKeyError);
      const stage =
        error.level === "client-authentication"
          ? "auth"
          : error.code && TRANSIENT.has(error.code)
            ? "connect"
            : /timed out/i.test(error.message)
              ? "timeout"
              : "handshake";
      const message =
        stage === "auth"
          ? `SSH authentication as ${options.username} on ${where} failed: the machine does not (yet) accept this key`
          : `SSH ${stage} to ${where} failed: ${error.message}`;
      fail(new CrabboxError("ssh_failed", message, { stage, host: options.host, port: options.port }));
    });
    client.on("close", () => {
      open = false;
      markClosed();
      fail(
        new CrabboxError("ssh_failed", `SSH connection to ${where} closed during the handshake`, {
          stage: "connect",
        }),
      );
    });

    try {
      client.connect({
        host: options.host,
        port: options.port,
        username: options.username,
        privateKey: options.privateKey,
        ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
        readyTimeout: options.timeoutMs ?? 15_000,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 3,
        algorithms: ALGORITHMS,
        hostVerifier: (key: Buffer) => {
          fingerprint = hostKeyFingerprint(key);
          try {
            verifyHostKey(
              {
                policy: options.hostKeyPolicy,
                alias: options.hostKeyAlias ?? hostAlias(options.host, options.port),
                ...(options.knownHostsPath === undefined ? {} : { knownHostsPath: options.knownHostsPath }),
                ...(options.expectedHostKey === undefined
                  ? {}
                  : { expectedHostKey: options.expectedHostKey }),
              },
              key,
            );
            return true;
          } catch (error) {
            hostKeyError = isCrabboxError(error)
              ? error
              : new CrabboxError("ssh_failed", `could not check the host key of ${where}`, {
                  stage: "host-key",
                });
            return false;
          }
        },
      });
      // Every exec and every handshake step (key exchange, service request, the two public-key
      // auth steps) is a few small packets; Nagle plus delayed ACKs would hold each back ~40 ms,
      // about 250 ms per handshake. ssh2 creates its socket inside `connect`, so set it here.
      client.setNoDelay(true);
    } catch (error) {
      // ssh2 throws synchronously for unparsable keys; the message never contains key material.
      fail(
        new CrabboxError("ssh_failed", `cannot use the SSH private key: ${(error as Error).message}`, {
          stage: "key",
        }),
      );
    }
  });
}
