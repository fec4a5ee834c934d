import type { ChildProcess } from "node:child_process";
import { PassThrough, type Readable } from "node:stream";

/**
 * A child's stdout that keeps every byte until it is read. Node resumes (and so discards) a
 * child's stdio stream that nothing reads when the child exits; a short-lived producer (`git
 * bundle create -`) can finish before its consumer (an SSH channel still opening) attaches,
 * and the consumer then sees an empty stream. Piping at once holds the output (the child waits
 * on back-pressure instead of exiting with unread output).
 */
export function heldStdout(child: ChildProcess): Readable {
  if (!child.stdout) throw new Error("heldStdout: the child was spawned without a stdout pipe");
  return child.stdout.pipe(new PassThrough());
}
