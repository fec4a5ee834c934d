import { homedir } from "node:os";
import { join } from "node:path";

type Env = Record<string, string | undefined>;

/** `$CRABBOX_CONFIG_DIR`, else `$XDG_CONFIG_HOME/crabbox`, else `~/.config/crabbox`. */
export function userConfigDir(env: Env): string {
  if (env.CRABBOX_CONFIG_DIR) return env.CRABBOX_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "crabbox");
}

/** The user config file; `$CRABBOX_CONFIG` names another file (it is then also the one `login` writes). */
export function userConfigPath(env: Env): string {
  return env.CRABBOX_CONFIG || join(userConfigDir(env), "config.yaml");
}

/** Per-lease keys and pinned host keys live here, never in the repo. */
export function leaseKeyDir(env: Env, leaseID: string): string {
  return join(userConfigDir(env), "leases", leaseID);
}

export const repoConfigNames = ["crabbox.yaml", ".crabbox.yaml"] as const;
