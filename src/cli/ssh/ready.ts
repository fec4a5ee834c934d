/**
 * Waits until a machine is usable: SSH accepts the lease key AND the machine's own readiness
 * check passes — proved with the same transport the run will use. Tries the configured port and
 * then the fallback ports each round, with backoff between rounds.
 */
import { CrabboxError, isCrabboxError } from "../../errors";
import { windowsReadinessCommand } from "../../providers/bootstrap/windows";
import { sleepOrWake } from "../../time/sleep";
import { type ConnectOptions, connectSsh, type SshSession } from "./connect";
import { powershellEncodedCommand } from "./quote";

/** Managed POSIX machines: bootstrap writes `crabbox-ready` onto the PATH when it is done. */
export const POSIX_READY_COMMAND = "command -v crabbox-ready >/dev/null 2>&1 && crabbox-ready";

/** Static POSIX hosts (`provider: ssh`): sync needs only `sh` and `tar`. */
export const STATIC_POSIX_READY_COMMAND = "command -v tar >/dev/null 2>&1";

/** Native Windows: tar.exe for sync, git for the work, and the system drive. */
export const WINDOWS_READY_COMMAND = powershellEncodedCommand(
  [
    "$ErrorActionPreference = 'Stop'",
    "tar.exe --version | Out-Null",
    "git --version | Out-Null",
    "if (-not (Test-Path -LiteralPath 'C:\\')) { exit 1 }",
    "exit 0",
  ].join("\n"),
);

/**
 * Native Windows machines that Crabbox bootstrapped (Azure): ready means the bootstrap's own
 * check passes — the `crabbox-ready.ps1` it installs tests the marker it writes last, git, tar
 * and a writable work root (docs/providers-azure.md, "The Windows bootstrap"). Having tar
 * and git alone is not enough: an image can ship both before the bootstrap finished.
 */
export const MANAGED_WINDOWS_READY_COMMAND = powershellEncodedCommand(
  [
    "$ErrorActionPreference = 'Stop'",
    `$ready = ${psLiteral(windowsReadinessCommand)}`,
    "if (-not (Test-Path -LiteralPath $ready)) { exit 1 }",
    "try { & $ready } catch { exit 1 }",
    "if ($LASTEXITCODE) { exit $LASTEXITCODE }",
    "exit 0",
  ].join("\n"),
);

function psLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export interface ReadyTarget extends Omit<ConnectOptions, "timeoutMs" | "retries" | "signal"> {
  /** Ports to try after `port`, in order (duplicates ignored), e.g. 22 when 2222 is configured. */
  fallbackPorts?: readonly number[];
  os?: "linux" | "macos" | "windows";
  /** Overrides the readiness command for the target's OS. */
  readyCommand?: string;
}

/** Longest a single readiness command may run before the attempt counts as "not ready". */
const READY_CHECK_TIMEOUT_MS = 60_000;

export type ReadyStage = "connect" | "auth" | "ready-check";

export interface ReadyProgress {
  host: string;
  port: number;
  stage: ReadyStage;
  elapsedMs: number;
  remainingMs: number;
  /** Why this attempt failed, secret-free. */
  detail: string;
}

export interface WaitForReadyOptions {
  timeoutMs: number;
  onProgress?: (progress: ReadyProgress) => void;
  signal?: AbortSignal;
  /** Per-attempt SSH handshake deadline (default 5 s). */
  attemptTimeoutMs?: number;
}

export function portCandidates(port: number, fallbackPorts: readonly number[] = []): number[] {
  return [...new Set([port, ...fallbackPorts])];
}

function readyCommandFor(target: ReadyTarget): string {
  if (target.readyCommand !== undefined) return target.readyCommand;
  return target.os === "windows" ? WINDOWS_READY_COMMAND : POSIX_READY_COMMAND;
}

/** Like {@link waitForReady} but hands back the live session, saving a second handshake. */
export async function waitForReadySession(
  target: ReadyTarget,
  options: WaitForReadyOptions,
): Promise<{ port: number; session: SshSession }> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const command = readyCommandFor(target);
  let backoff = 250;
  for (;;) {
    for (const port of portCandidates(target.port, target.fallbackPorts)) {
      if (options.signal?.aborted) throw cancelled(target.host);
      let stage: ReadyStage = "connect";
      let detail = "";
      try {
        const session = await connectSsh({
          ...target,
          port,
          timeoutMs: Math.max(1000, Math.min(options.attemptTimeoutMs ?? 5000, deadline - Date.now())),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
        stage = "ready-check";
        // A readiness command that hangs must not hang the wait: bound it by the time left.
        const checkTimeout = AbortSignal.timeout(
          Math.max(1000, Math.min(READY_CHECK_TIMEOUT_MS, deadline - Date.now())),
        );
        const signal = options.signal ? AbortSignal.any([options.signal, checkTimeout]) : checkTimeout;
        const result = await session.exec(command, { signal, killGraceMs: 1000 });
        if (result.exitCode === 0 && !result.aborted) return { port, session };
        session.close();
        if (options.signal?.aborted) throw cancelled(target.host);
        detail = result.aborted ? "readiness check timed out" : `readiness check exited ${result.exitCode}`;
      } catch (error) {
        if (!isCrabboxError(error)) throw error;
        const failedStage = error.details?.stage;
        // A changed host key or an unusable private key will not fix itself by waiting.
        if (failedStage === "host-key" || failedStage === "key") throw error;
        if (failedStage === "cancelled") throw cancelled(target.host);
        if (failedStage === "auth") stage = "auth";
        detail = error.message;
      }
      const now = Date.now();
      options.onProgress?.({
        host: target.host,
        port,
        stage,
        elapsedMs: now - started,
        remainingMs: Math.max(0, deadline - now),
        detail,
      });
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new CrabboxError(
        "timeout",
        `timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for SSH on ${target.host} (ports ${portCandidates(target.port, target.fallbackPorts).join(", ")}) to become ready`,
        { host: target.host },
      );
    }
    await sleepOrWake(Math.min(backoff, remaining), options.signal);
    // Capped at 2 s: a cloud machine turns ready at an unknown moment during a boot of tens of
    // seconds, and each second of the gap after that is a second the user waits for nothing.
    backoff = Math.min(backoff * 2, 2000);
  }
}

/** Waits until SSH works and the readiness command passes; returns the port that worked. */
export async function waitForReady(target: ReadyTarget, options: WaitForReadyOptions): Promise<number> {
  const { port, session } = await waitForReadySession(target, options);
  session.close();
  return port;
}

function cancelled(host: string): CrabboxError {
  return new CrabboxError("ssh_failed", `stopped waiting for ${host}: cancelled`, { stage: "cancelled" });
}
