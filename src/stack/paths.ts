import { join } from "node:path";
import { CrabboxError } from "../errors";
import { crabboxStateDir } from "../local/state-dir";

/** Files of the local stack inside the Crabbox state directory. */
export function stackPaths(env: NodeJS.ProcessEnv = process.env) {
  const stateDir = crabboxStateDir(env);
  return {
    stateDir,
    /** The coordinator's Durable Object SQLite (wrangler's persist root). */
    coordinatorDir: join(stateDir, "coordinator"),
    /** Where the running stack says who it is: pid, URLs, tokens (0600). */
    stackFile: join(stateDir, "stack.json"),
    /** Generated tokens and secrets, reused on the next start (0600). */
    secretsFile: join(stateDir, "stack-secrets.json"),
    logFile: join(stateDir, "logs", "stack.log"),
    /** Wrangler's own debug logs (instead of `~/.config/.wrangler/logs`, which is 0644). */
    wranglerLogDir: join(stateDir, "logs", "wrangler"),
    /** Held by the stack that is starting or running (see lock.ts). */
    lockFile: join(stateDir, "stack.lock"),
  };
}

export const defaultCoordinatorPort = 8787;

/** `CRABBOX_PORT` or 8787; a malformed value is a configuration error, not a silent default. */
export function coordinatorPort(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CRABBOX_PORT?.trim();
  if (!raw) return defaultCoordinatorPort;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CrabboxError(
      "config",
      `CRABBOX_PORT must be a port number (1-65535), got ${JSON.stringify(raw)}; unset it or set e.g. CRABBOX_PORT=8787`,
      { field: "CRABBOX_PORT" },
    );
  }
  return port;
}
