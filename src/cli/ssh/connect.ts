/**
 * The SSH client of the CLI (ssh2, no system `ssh` needed): connect with a private key, pin the
 * host key, run commands with live output and exit status, forward Ctrl-C, open a pty shell.
 */
import type { Readable, Writable } from "node:stream";
import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import { CrabboxError, isCrabboxError } from "../../errors";
import { sleepOrWake } from "../../time/sleep";
import { interruptibleCommand } from "./interruptible";
import { type HostKeyPolicy, hostAlias, hostKeyFingerprint, verifyHostKey } from "./known-hosts";
import { shellEnvPrefix } from "./quote";

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

export interface ExecOptions {
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Sent to the command's stdin, then EOF. Without it stdin is closed immediately. */
  stdin?: string | Buffer | Readable;
  /** Aborting sends SIGINT to the remote command, then SIGKILL after `killGraceMs`, then closes the channel. */
  signal?: AbortSignal;
  killGraceMs?: number;
  /** Exported into the command's POSIX shell (names are validated; values quoted). */
  env?: Readonly<Record<string, string>>;
  /** Wrap in the POSIX Ctrl-C watchdog when `signal` is given (default: true unless the session is Windows). */
  watchdog?: boolean;
}

export interface ExecResult {
  /** The remote exit status; for a command killed by a signal, 128 + the signal number. */
  exitCode: number;
  /** The signal name (`INT`, `KILL`…) when the remote command died from a signal. */
  signal?: string;
  /** True when the caller's AbortSignal stopped the command. */
  aborted?: boolean;
}

export interface ShellOptions {
  /** Allocate a pseudo-terminal (default true): `crabbox ssh` needs one for editors and prompts. */
  pty?: boolean;
  term?: string;
  rows?: number;
  cols?: number;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
}

export interface SshSession {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly hostKeyFingerprint: string;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  shell(options?: ShellOptions): Promise<ExecResult>;
  /** Resolves once the connection is gone, for whatever reason. */
  readonly closed: Promise<void>;
  isOpen(): boolean;
  close(): void;
}

const SIGNAL_NUMBERS: Record<string, number> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  ABRT: 6,
  FPE: 8,
  KILL: 9,
  SEGV: 11,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  USR1: 10,
  USR2: 12,
};

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
    const client = new Client();
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
      // Every exec is a few small request/reply packets; Nagle + delayed ACKs would add ~40 ms to each.
      client.setNoDelay(true);
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

interface ChannelInternals {
  writable: boolean;
  outgoing?: { id: number; state: string };
  _client?: { _protocol?: { signal(id: number, name: string): void } };
}

/**
 * ssh2's `channel.signal()` silently drops the request once our side sent EOF, yet a command
 * whose stdin we closed is exactly the one a Ctrl-C must reach. The request is legal on a
 * half-closed channel (RFC 4254 §6.9), so send it through the protocol object in that case.
 */
function sendSignal(channel: ClientChannel, name: string): void {
  const internals = channel as unknown as ChannelInternals;
  if (internals.writable) {
    channel.signal(name);
    return;
  }
  const outgoing = internals.outgoing;
  if (outgoing?.state === "open" || outgoing?.state === "eof")
    internals._client?._protocol?.signal(outgoing.id, name);
}

interface SessionInfo {
  host: string;
  port: number;
  username: string;
  fingerprint: string;
  closed: Promise<void>;
  isOpen: () => boolean;
  windows: boolean;
}

interface OpenedChannel {
  channel: ClientChannel;
  /** Set when the server reports the command's exit status or signal. */
  exit?: ExecResult;
}

function exitResult(code: number | null, signalName: string | undefined): ExecResult | undefined {
  if (typeof code === "number") return { exitCode: code };
  if (!signalName) return undefined;
  const name = signalName.replace(/^SIG/, "");
  return { exitCode: 128 + (SIGNAL_NUMBERS[name] ?? 0), signal: name };
}

function createSession(client: Client, info: SessionInfo): SshSession {
  const where = `${info.host}:${info.port}`;
  // The exit status is recorded as the channel opens, not after the caller's `await`: ssh2
  // parses the exec reply and a quick command's exit status from one read and emits `exit`
  // synchronously, before any continuation of the awaiting caller could listen for it.
  const openChannel = (command: string, pty: ShellOptions | undefined): Promise<OpenedChannel> =>
    new Promise((resolve, reject) => {
      const onChannel = (error: Error | undefined, channel: ClientChannel) => {
        if (error) {
          reject(
            new CrabboxError("ssh_failed", `could not start a command on ${where}: ${error.message}`, {
              stage: "channel",
            }),
          );
        } else {
          const opened: OpenedChannel = { channel };
          channel.on("exit", (code: number | null, signalName?: string) => {
            opened.exit = exitResult(code, signalName);
          });
          resolve(opened);
        }
      };
      if (!info.isOpen()) {
        reject(new CrabboxError("ssh_failed", `SSH connection to ${where} is closed`, { stage: "channel" }));
        return;
      }
      if (pty) {
        const window = { term: pty.term ?? "xterm-256color", rows: pty.rows ?? 24, cols: pty.cols ?? 80 };
        if (pty.pty === false) client.shell(false, onChannel);
        else client.shell(window, onChannel);
      } else {
        client.exec(command, onChannel);
      }
    });

  const awaitExit = (
    opened: OpenedChannel,
    signal: AbortSignal | undefined,
    killGraceMs: number,
  ): Promise<ExecResult> =>
    new Promise((resolve, reject) => {
      const { channel } = opened;
      let aborted = false;
      let killTimer: NodeJS.Timeout | undefined;
      let closeTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        aborted = true;
        sendSignal(channel, "INT");
        if (channel.writable) channel.end();
        killTimer = setTimeout(() => {
          sendSignal(channel, "KILL");
          closeTimer = setTimeout(() => channel.close(), 500);
        }, killGraceMs);
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
      channel.on("close", () => {
        clearTimeout(killTimer);
        clearTimeout(closeTimer);
        signal?.removeEventListener("abort", onAbort);
        const exit = opened.exit;
        if (exit) return resolve(aborted ? { ...exit, aborted } : exit);
        if (aborted) return resolve({ exitCode: 130, signal: "INT", aborted: true });
        reject(
          new CrabboxError("ssh_failed", `lost the SSH connection to ${where} before the command finished`, {
            stage: "disconnected",
          }),
        );
      });
    });

  return {
    host: info.host,
    port: info.port,
    username: info.username,
    hostKeyFingerprint: info.fingerprint,
    closed: info.closed,
    isOpen: info.isOpen,
    async exec(command, options = {}) {
      // Already cancelled: never start it.
      if (options.signal?.aborted) return { exitCode: 130, signal: "INT", aborted: true };
      const killGraceMs = options.killGraceMs ?? 2000;
      // Only a command without stdin data can hand its stdin to the watchdog.
      const watched =
        options.signal !== undefined && options.stdin === undefined && (options.watchdog ?? !info.windows);
      const full = shellEnvPrefix(options.env) + command;
      const opened = await openChannel(
        watched ? interruptibleCommand(full, killGraceMs / 1000) : full,
        undefined,
      );
      const { channel } = opened;
      const done = awaitExit(opened, options.signal, killGraceMs);
      channel.on("data", (chunk: Buffer) => options.onStdout?.(chunk));
      channel.stderr.on("data", (chunk: Buffer) => options.onStderr?.(chunk));
      // A dropped connection surfaces on the stdin side as EPIPE; the exit promise reports it.
      channel.on("error", () => {});
      const stdin = options.stdin;
      if (watched) {
        // keep stdin open: its EOF is the watchdog's stop signal
      } else if (stdin === undefined) channel.end();
      else if (typeof stdin === "string" || stdin instanceof Uint8Array) channel.end(stdin);
      else {
        stdin.on("error", () => channel.close());
        stdin.pipe(channel);
      }
      return await done;
    },
    async shell(options = {}) {
      const stdin = options.stdin ?? process.stdin;
      const stdout = options.stdout ?? process.stdout;
      const stderr = options.stderr ?? process.stderr;
      const tty = stdout as Writable & { columns?: number; rows?: number; on?: Writable["on"] };
      const opened = await openChannel("", {
        ...options,
        rows: options.rows ?? tty.rows ?? 24,
        cols: options.cols ?? tty.columns ?? 80,
      });
      const { channel } = opened;
      const done = awaitExit(opened, undefined, 0);
      const rawStdin = stdin as Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => void };
      const wasRaw = rawStdin.isTTY === true && options.pty !== false;
      if (wasRaw) rawStdin.setRawMode?.(true);
      const onResize = () => channel.setWindow(tty.rows ?? 24, tty.columns ?? 80, 0, 0);
      if (wasRaw) stdout.on("resize", onResize);
      channel.on("data", (chunk: Buffer) => stdout.write(chunk));
      channel.stderr.on("data", (chunk: Buffer) => stderr.write(chunk));
      channel.on("error", () => {});
      stdin.pipe(channel);
      try {
        return await done;
      } finally {
        stdin.unpipe(channel);
        if (wasRaw) {
          rawStdin.setRawMode?.(false);
          stdout.off("resize", onResize);
          if (stdin === process.stdin) process.stdin.pause();
        }
      }
    },
    close() {
      client.end();
    },
  };
}
