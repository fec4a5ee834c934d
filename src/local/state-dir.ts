import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where Crabbox keeps local state (machines, the local coordinator's SQLite, stack logs):
 * `$CRABBOX_STATE_DIR`, else `$XDG_STATE_HOME/crabbox`, else `~/.local/state/crabbox`.
 */
export function crabboxStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CRABBOX_STATE_DIR) return env.CRABBOX_STATE_DIR;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, "crabbox");
  return join(env.HOME || homedir(), ".local", "state", "crabbox");
}
