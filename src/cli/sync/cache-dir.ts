import { homedir } from "node:os";
import { join } from "node:path";

/** The user's crabbox cache: `$CRABBOX_CACHE_DIR`, else `$XDG_CACHE_HOME/crabbox`, else `~/.cache/crabbox`. */
export function defaultCacheDir(): string {
  return (
    process.env.CRABBOX_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "crabbox")
  );
}
