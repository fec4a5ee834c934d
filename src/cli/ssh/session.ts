/**
 * One open SSH connection as the CLI uses it: commands on their own channels with live
 * output, exit status (128 + signal number for a signalled command) and Ctrl-C forwarding,
 * and an interactive pty shell.
 */
import type { Readable, Writable } from "node:stream";
import type { Client, ClientChannel } from "ssh2";
import { CrabboxError } from "../../errors";
import { interruptibleCommand } from "./interruptible";
import { shellEnvPrefix } from "./quote";
import type { ExecResult, ShellOptions, SshSession } from "./session-types";

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

export interface SessionInfo {
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

export function createSession(client: Client, info: SessionInfo): SshSession {
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
      if (options.stdout) channel.pipe(options.stdout, { end: false });
      else channel.on("data", (chunk: Buffer) => options.onStdout?.(chunk));
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
