/**
 * Entry point of a stack started in the background by `ensureLocalStack`: runs the stack
 * until SIGTERM/SIGINT (`crabbox dev stop`), logging to the file its stdout is bound to.
 */
import { isCrabboxError } from "../errors";
import { stackPaths } from "./paths";
import { type RunningStack, runStack } from "./run-stack";

// Wrangler reads this once, when it is loaded: its debug log goes to the state directory
// (0700), not `~/.config/.wrangler/logs`. Only here, in the stack's own process: a stack run
// inside another process (tests, `crabbox dev`) must not point that process's wrangler at a
// directory that may go away. Secrets are bound hidden either way (coordinator.ts).
process.env.WRANGLER_LOG_PATH ??= stackPaths().wranglerLogDir;

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

let stack: RunningStack | undefined;
let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log(`${signal} received; stopping`);
  (stack?.stop() ?? Promise.resolve()).then(
    () => {
      log("stopped");
      process.exit(0);
    },
    (error: Error) => {
      log(`stop failed: ${error.message}`);
      process.exit(1);
    },
  );
};
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

try {
  stack = await runStack({ log, logFile: process.env.CRABBOX_STACK_LOG_FILE });
  log(
    `coordinator listening on ${stack.info.url}; machine host on ${stack.info.hostUrl}; pid ${process.pid}`,
  );
  if (stopping) stop("deferred");
} catch (error) {
  log(`cannot start the local stack: ${(error as Error).message}`);
  process.exit(isCrabboxError(error) ? error.exitCode : 1);
}
