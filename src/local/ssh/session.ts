import { type ChildProcess, spawn } from "node:child_process";
import type { Writable } from "node:stream";
import type { PseudoTtyInfo, ServerChannel, Session } from "ssh2";
import { ptyHelperSource } from "./pty-helper";

/** What a command on a local machine sees: its own home, work root and `bin` first on PATH. */
export interface MachineShell {
  home: string;
  binDir: string;
  user: string;
  /** Extra variables every command gets (e.g. the machine id). */
  env: Record<string, string>;
}

/** Signals a client may send with an SSH `signal` request (RFC 4254 §6.9 names). */
const forwardableSignals = new Set([
  "ABRT",
  "ALRM",
  "FPE",
  "HUP",
  "ILL",
  "INT",
  "KILL",
  "PIPE",
  "QUIT",
  "SEGV",
  "TERM",
  "USR1",
  "USR2",
]);

/** Grace between SIGTERM and SIGKILL when the client goes away mid-command. */
const hangupGraceMs = 2000;
/** Grace for a signalled command's background leftovers before they are killed. */
const leftoverGraceMs = 500;

/**
 * One SSH session channel: collects pty and env requests, then runs exactly one `exec` or
 * `shell` as a process group of its own so a `signal` request (Ctrl-C on the client) or a
 * vanished client stops the whole command, not only its shell.
 */
export function handleSession(
  session: Session,
  shell: MachineShell,
  track: (child: ChildProcess) => void,
): void {
  let pty: PseudoTtyInfo | undefined;
  const clientEnv: Record<string, string> = {};
  let child: ChildProcess | undefined;
  let resizeControl: Writable | undefined;
  let signalled = false;

  session.on("pty", (accept, _reject, info) => {
    pty = info;
    accept?.();
  });
  session.on("window-change", (accept, _reject, info) => {
    if (pty) pty = { ...pty, rows: info.rows, cols: info.cols };
    resizeControl?.write(`${info.rows} ${info.cols}\n`);
    accept?.();
  });
  session.on("env", (accept, reject, info) => {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(info.key)) {
      clientEnv[info.key] = info.val;
      accept?.();
    } else reject?.();
  });
  session.on("signal", (accept, reject, info) => {
    const name = info.name.replace(/^SIG/, "");
    if (!child?.pid || !forwardableSignals.has(name)) return reject?.();
    accept?.();
    signalled = true;
    signalGroup(child, `SIG${name}` as NodeJS.Signals);
  });
  session.on("exec", (accept, reject, info) => {
    if (child) return reject();
    start(accept(), ["/bin/sh", "-c", info.command]);
  });
  session.on("shell", (accept, reject) => {
    if (child) return reject();
    start(accept(), ["/bin/sh", "-i"]);
  });
  session.on("subsystem", (_accept, reject) => reject());
  session.on("x11", (_accept, reject) => reject());
  session.on("auth-agent", (_accept, reject) => reject?.());
  session.on("close", () => hangUp());

  function start(channel: ServerChannel, argv: string[]): void {
    const env: Record<string, string> = {
      ...shell.env,
      HOME: shell.home,
      USER: shell.user,
      LOGNAME: shell.user,
      SHELL: "/bin/sh",
      PATH: `${shell.binDir}:${process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin"}`,
      LANG: process.env.LANG ?? "C.UTF-8",
      ...clientEnv,
    };
    if (pty) env.TERM = pty.term || "xterm-256color";
    const usePty = pty !== undefined;
    const command = usePty
      ? ["python3", "-c", ptyHelperSource, String(pty?.rows || 24), String(pty?.cols || 80), ...argv]
      : argv;
    const proc = spawn(command[0] as string, command.slice(1), {
      cwd: shell.home,
      env,
      detached: true,
      stdio: usePty ? ["pipe", "pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe"],
    });
    child = proc;
    track(proc);
    resizeControl = usePty ? (proc.stdio[3] as Writable) : undefined;
    resizeControl?.on("error", () => {});
    proc.stdin?.on("error", () => {});
    channel.on("error", () => {});
    channel.pipe(proc.stdin as Writable);
    proc.stdout?.pipe(channel, { end: false });
    proc.stderr?.pipe(channel.stderr, { end: false });
    proc.on("error", (error) => {
      channel.stderr.write(`crabbox local machine: cannot start ${command[0]}: ${error.message}\n`);
      channel.exit(127);
      channel.end();
    });
    // A non-interactive shell starts background jobs immune to SIGINT, and they keep the
    // output open: once the client's signal has ended the command itself, its leftovers go too.
    proc.on("exit", () => {
      if (!signalled) return;
      setTimeout(() => signalGroup(proc, "SIGKILL"), leftoverGraceMs).unref();
    });
    proc.on("close", (code, signal) => {
      resizeControl?.end();
      if (signal) channel.exit(signal.replace(/^SIG/, ""), false, "");
      else channel.exit(code ?? 0);
      channel.end();
    });
  }

  function hangUp(): void {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    signalGroup(proc, "SIGTERM");
    setTimeout(() => {
      if (proc.exitCode === null && proc.signalCode === null) signalGroup(proc, "SIGKILL");
    }, hangupGraceMs).unref();
  }
}

/** Signals the command's whole process group (it was spawned detached, so it leads one). */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}
