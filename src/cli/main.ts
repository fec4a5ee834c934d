import { existsSync } from "node:fs";
import { CrabboxError, errorCodes, isCrabboxError } from "../errors";
import { commandsFor } from "./commands/by-word";
import { Builtins, Cli, type CommandClass } from "./commands/clipanion";
import type { CrabboxContext } from "./commands/context";

export const version = "0.1.0";

export interface MainIO {
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  stdin?: NodeJS.ReadableStream;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Tests abort this to simulate Ctrl-C; without it SIGINT/SIGTERM are handled. */
  signal?: AbortSignal;
}

/** Exported for the hints test, which checks hints against the real parser with every command. */
export function buildCli(commands: CommandClass<CrabboxContext>[]): Cli<CrabboxContext> {
  const cli = new Cli<CrabboxContext>({
    binaryLabel: "Crabbox",
    binaryName: "crabbox",
    binaryVersion: version,
    enableColors: false,
  });
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  for (const command of commands) cli.register(command);
  return cli;
}

/** `help <cmd…>` → `<cmd…> --help`, as the reference does. */
function rewriteHelp(argv: string[]): string[] {
  if (argv[0] === "help" && argv.length > 1) return [...argv.slice(1), "--help"];
  if (argv[0] === "help") return ["--help"];
  if (argv[0] === "-v" || argv[0] === "version") return ["--version"];
  return argv;
}

/** A signal repeated within this time is the same interruption delivered twice, not a second one. */
const repeatedSignalMs = 500;

/**
 * What the command does when interrupted, said once when the signal comes: a command class
 * may declare it (`static interruptNote`), e.g. `run` stops the remote command and releases.
 */
export interface Interruptible {
  interruptNote?: string;
}

function installSignals(controller: AbortController, note: () => string): () => void {
  let count = 0;
  let firstAt = 0;
  const onSignal = (name: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches the whole process group, and `bin/crabbox.js` (when it
    // re-runs crabbox under the bundled Node) forwards it too: only a later one means "force".
    if (count > 0 && Date.now() - firstAt < repeatedSignalMs) return;
    count++;
    if (count === 1) {
      firstAt = Date.now();
      process.stderr.write(`\ncrabbox: ${name} received; ${note()} (again to force)\n`);
      controller.abort(new CrabboxError("interrupted", `interrupted by ${name}`));
    } else {
      process.stderr.write("crabbox: forced exit; a lease may stay until its idle timeout\n");
      process.exit(130);
    }
  };
  // SIGHUP: the terminal went away; the lease must still be released.
  const names: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const name of names) process.on(name, onSignal);
  return () => {
    for (const name of names) process.off(name, onSignal);
  };
}

/**
 * `-h`/`--help` anywhere before `--` asks for help even when the other words would not parse
 * (`crabbox stop x --help`): the longest leading run of words that names a command wins.
 */
function helpFor(cli: Cli<CrabboxContext>, argv: string[], context: CrabboxContext) {
  const end = argv.indexOf("--");
  const head = end === -1 ? argv : argv.slice(0, end);
  if (!head.includes("--help") && !head.includes("-h")) return undefined;
  const words = head.filter((w) => !w.startsWith("-"));
  for (let n = words.length; n >= 1; n--) {
    try {
      const command = cli.process([...words.slice(0, n), "--help"], context);
      // Clipanion answers `<cmd> --help` either with the command flagged `help` or with its HelpCommand.
      // (its internal HelpCommand class is not the exported Builtins one, hence the name check).
      if (command.help || command.constructor.name === "HelpCommand") return command;
    } catch {
      // not a command path; try a shorter one
    }
  }
  return undefined;
}

/** Clipanion lists every command on a miss; one line and a pointer to help read better. */
function parseErrorText(message: string, argv: string[]): string {
  const text = message.replace(/\n*While running[\s\S]*$/, "").trim();
  if (text.startsWith("Command not found")) {
    return `unknown command: crabbox ${argv.join(" ")}\nRun \`crabbox --help\` for the list of commands.`;
  }
  return `${text}\nRun \`crabbox ${argv[0] ?? ""} --help\` for its flags.`;
}

/**
 * `crabbox admin leases | head -5`: once the reader is gone every write fails with EPIPE.
 * That is the reader saying "enough", not a failure: the rest of the output is dropped and the
 * command ends as it would have (docs/cli.md, "Exit codes"). Any other stdout error still surfaces.
 */
function quietOnClosedStdout(stdout: NodeJS.WritableStream): () => void {
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") return;
    throw error;
  };
  stdout.on("error", onError);
  // Errors of writes still buffered when `main` returns arrive later: keep swallowing EPIPE.
  return () => {
    setTimeout(() => stdout.off("error", onError), 1000).unref();
  };
}

/** Entry point of the `crabbox` command line; returns the process exit code. */
export async function main(argv: string[], io: MainIO = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const cli = buildCli(await commandsFor(rewriteHelp(argv)));
  if (argv.length === 0) {
    stdout.write(cli.usage(null));
    return 2;
  }
  const controller = new AbortController();
  const removeStdoutGuard = quietOnClosedStdout(stdout);
  let interruptNote = "stopping";
  const removeSignals = io.signal ? () => {} : installSignals(controller, () => interruptNote);
  io.signal?.addEventListener(
    "abort",
    () => controller.abort(new CrabboxError("interrupted", "interrupted")),
    {
      once: true,
    },
  );
  const cwd = io.cwd ?? process.cwd();
  const context = {
    stdin: (io.stdin ?? process.stdin) as CrabboxContext["stdin"],
    stdout: stdout as CrabboxContext["stdout"],
    stderr: stderr as CrabboxContext["stderr"],
    env: io.env ?? process.env,
    colorDepth: 1,
    cwd: existsSync(cwd) ? cwd : process.cwd(),
    signal: controller.signal,
  } satisfies CrabboxContext;
  try {
    let command: ReturnType<typeof cli.process>;
    try {
      command = cli.process(rewriteHelp(argv), context);
    } catch (error) {
      const help = helpFor(cli, argv, context);
      if (help) command = help;
      else {
        stderr.write(`crabbox: ${parseErrorText((error as Error).message, argv)}\n`);
        return 2;
      }
    }
    interruptNote = (command.constructor as Interruptible).interruptNote ?? interruptNote;
    if (command.help) {
      // Help is answered before anything runs: `crabbox run --help` never leases a machine.
      stdout.write(cli.usage(command, { detailed: true }));
      return 0;
    }
    command.cli = {
      binaryLabel: cli.binaryLabel,
      binaryName: cli.binaryName,
      binaryVersion: cli.binaryVersion,
      enableCapture: false,
      enableColors: false,
      definitions: () => cli.definitions(),
      error: (error, opts) => cli.error(error, opts),
      format: (colored) => cli.format(colored),
      process: (input, sub) => cli.process(input, { ...context, ...sub }),
      run: (input, sub) => cli.run(input, { ...context, ...sub }),
      usage: (cmd, opts) => cli.usage(cmd, opts),
    };
    const code = await command.validateAndExecute();
    return code ?? 0;
  } catch (error) {
    if (controller.signal.aborted || (isCrabboxError(error) && error.code === "interrupted")) {
      // Whatever was in flight when Ctrl-C came (a wait, a request) reports as interrupted, once.
      const message = (error as Error)?.message ?? String(error);
      stderr.write(`crabbox: ${/^interrupted\b/.test(message) ? message : `interrupted (${message})`}\n`);
      return errorCodes.interrupted.exit;
    }
    if (isCrabboxError(error)) {
      stderr.write(`crabbox: ${error.message}\n`);
      return error.exitCode;
    }
    const name = (error as Error)?.name;
    if (name === "UsageError") {
      stderr.write(`crabbox: ${(error as Error).message}\n`);
      return 2;
    }
    stderr.write(`crabbox: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  } finally {
    removeSignals();
    removeStdoutGuard();
    if (!io.stdout) exitSoon();
  }
}

/**
 * As a process, the command is over once `main` returns: an SSH server that never answers
 * our disconnect must not keep the terminal waiting. It exits as soon as stdout and stderr
 * have taken everything written (a fixed grace cost every warm run half a second; docs/sync.md,
 * "Inner loop"), and after 500 ms whatever happens.
 */
function exitSoon(): void {
  setTimeout(() => process.exit(), 500).unref();
  let pending = 2;
  const flushed = () => {
    pending--;
    if (pending === 0) setImmediate(() => process.exit());
  };
  process.stdout.write("", flushed);
  process.stderr.write("", flushed);
}
