import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { CrabboxError } from "../errors";
import { processAlive } from "./stack-file";

/**
 * One stack per state directory: `<state>/stack.lock` holds the pid of the stack that is
 * starting or running. Created exclusively, so of several commands starting a stack at once
 * exactly one proceeds; a lock whose process is gone is taken over.
 */
export function acquireStackLock(file: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        if (readOwner(file) === process.pid) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = readOwner(file);
      if (owner !== undefined && owner !== process.pid && processAlive(owner)) {
        throw new CrabboxError(
          "config",
          `another local stack (pid ${owner}) is starting or running for this state directory; use it, or stop it with crabbox dev stop`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new CrabboxError("internal", `cannot take the stack lock ${file}`);
}

/** The live process holding the lock (a stack starting or running), if any. */
export function stackLockHolder(file: string): number | undefined {
  const owner = readOwner(file);
  return owner !== undefined && processAlive(owner) ? owner : undefined;
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
