import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../support/free-port";

/** An environment whose state and config directories are fresh temporary ones. */
export async function isolatedEnv(extra: Record<string, string> = {}) {
  const root = await mkdtemp(join(tmpdir(), "crabbox-stack-"));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    "CRABBOX_CONFIG",
    "CRABBOX_ADMIN_TOKEN",
    "CRABBOX_SHARED_TOKEN",
    "CRABBOX_COORDINATOR",
  ]) {
    delete env[name];
  }
  Object.assign(env, {
    CRABBOX_STATE_DIR: join(root, "state"),
    CRABBOX_CONFIG_DIR: join(root, "config"),
    CRABBOX_PORT: String(port),
    ...extra,
  });
  // A stopped stack's workerd may still flush a log file into the state directory while it is
  // removed (ENOTEMPTY); rm's own retries cover exactly that race.
  return {
    root,
    port,
    env,
    cleanup: () => rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }),
  };
}
