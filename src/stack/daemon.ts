/**
 * Entry point of a stack started in the background by `ensureLocalStack`: runs the stack
 * until SIGTERM/SIGINT (`crabbox dev stop`), logging to the file its stdout is bound to.
 */
import { isCrabboxError } from "../errors";
import { runStack } from "./run-stack";

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

try {
  const stack = await runStack({ log, logFile: process.env.CRABBOX_STACK_LOG_FILE });
  log(
    `coordinator listening on ${stack.info.url}; machine host on ${stack.info.hostUrl}; pid ${process.pid}`,
  );
  const stop = (signal: string) => {
    log(`${signal} received; stopping`);
    stack.stop().then(
      () => process.exit(0),
      (error: Error) => {
        log(`stop failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
} catch (error) {
  log(`cannot start the local stack: ${(error as Error).message}`);
  process.exit(isCrabboxError(error) ? error.exitCode : 1);
}
