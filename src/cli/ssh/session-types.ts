/** What an open SSH connection offers its callers: commands with exit status, and a shell. */
import type { Readable, Writable } from "node:stream";

export interface ExecOptions {
  onStdout?: (chunk: Buffer) => void;
  /**
   * The command's stdout piped here instead, with backpressure: while this stream is full the
   * channel stops reading, so the SSH window closes and the machine stops sending
   * (docs/cli.md#crabbox-cp). Not ended when the command ends.
   */
  stdout?: Writable;
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
