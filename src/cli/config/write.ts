import { chmodSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { stringify } from "yaml";
import { readConfigFile } from "./load";
import { userConfigPath } from "./paths";
import type { ConfigFile } from "./schema";

type Env = Record<string, string | undefined>;

export interface UserConfigPatch {
  provider?: string;
  /** `null` removes the key (logout blanks the token this way). */
  broker?: {
    url?: string | null;
    token?: string | null;
    adminToken?: string | null;
    provider?: string | null;
  };
}

/**
 * Merges `patch` into the user config file and writes it back atomically (dir 0700,
 * file 0600): the only place tokens are stored. Returns the path written.
 */
export function writeUserConfig(patch: UserConfigPatch, env: Env = process.env): string {
  const path = userConfigPath(env);
  const current: ConfigFile = readConfigFile(path);
  const next: Record<string, unknown> = { ...current };
  if (patch.provider !== undefined) next.provider = patch.provider;
  if (patch.broker) {
    const broker: Record<string, unknown> = { ...current.broker };
    for (const [key, value] of Object.entries(patch.broker)) {
      if (value === null) delete broker[key];
      else if (value !== undefined) broker[key] = value;
    }
    next.broker = broker;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, stringify(next), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return path;
}
