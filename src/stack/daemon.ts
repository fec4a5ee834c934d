/**
 * Entry point of a stack started in the background by `ensureLocalStack`: runs the stack
 * until SIGTERM/SIGINT (`crabbox dev stop`), logging to the file its stdout is bound to.
 */
import { isCrabboxError } from "../errors";
import { type RunningStack, runStack } from "./run-stack";

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
