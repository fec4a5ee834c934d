import { randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomic } from "../local/machine-files";

export interface StackSecrets {
  adminToken: string;
  sharedToken: string;
  sessionSecret: string;
  hostToken: string;
}

function token(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString("base64url")}`;
}

/**
 * The stack's tokens: `CRABBOX_ADMIN_TOKEN` / `CRABBOX_SHARED_TOKEN` from the environment when
 * set, otherwise generated once and kept (0600) in the state directory so that leases made
 * before a restart stay reachable with the same credentials.
 */
export async function loadStackSecrets(file: string, env: NodeJS.ProcessEnv): Promise<StackSecrets> {
  let stored: Partial<StackSecrets> = {};
  try {
    stored = JSON.parse(await readFile(file, "utf8")) as Partial<StackSecrets>;
  } catch {
    // first start, or an unreadable file that is regenerated below
  }
  const generated: StackSecrets = {
    adminToken: stored.adminToken ?? token("cbxadmin"),
    sharedToken: stored.sharedToken ?? token("cbxshared"),
    sessionSecret: stored.sessionSecret ?? token("cbxsession"),
    hostToken: stored.hostToken ?? token("cbxhost"),
  };
  if (JSON.stringify(generated) !== JSON.stringify(stored)) {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, `${JSON.stringify(generated, null, 2)}\n`);
  }
  return {
    ...generated,
    adminToken: env.CRABBOX_ADMIN_TOKEN?.trim() || generated.adminToken,
    sharedToken: env.CRABBOX_SHARED_TOKEN?.trim() || generated.sharedToken,
  };
}
