/**
 * The local record of direct leases: one JSON file per lease in the user's state directory
 * (`$CRABBOX_STATE_DIR`, else `$XDG_STATE_HOME/crabbox`, else `~/.local/state/crabbox`), mode
 * 0600. Never in repo config: it names machines paid for by this user's credentials.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { isLeaseId, normalizeSlug } from "../../domain/ids";
import { CrabboxError } from "../../errors";

type Env = Record<string, string | undefined>;

export interface DirectLeaseRecord {
  leaseID: string;
  slug: string;
  provider: string;
  cloudID: string;
  name: string;
  region?: string;
  serverType: string;
  host: string;
  sshUser: string;
  sshPort: number;
  sshFallbackPorts: number[];
  workRoot: string;
  target: string;
  keep: boolean;
  /** The machine's full label set as last written (Hetzner replaces labels wholesale). */
  labels: Record<string, string>;
  createdAt: string;
  repoRoot?: string;
}

export function stateDir(env: Env): string {
  if (env.CRABBOX_STATE_DIR) return env.CRABBOX_STATE_DIR;
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(base, "crabbox");
}

function recordDir(env: Env): string {
  return join(stateDir(env), "direct-leases");
}

export function writeDirectRecord(env: Env, record: DirectLeaseRecord): void {
  const dir = recordDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${record.leaseID}.json`);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  chmodSync(`${path}.tmp`, 0o600);
  renameSync(`${path}.tmp`, path);
}

export function removeDirectRecord(env: Env, leaseID: string): void {
  if (!isLeaseId(leaseID)) return;
  rmSync(join(recordDir(env), `${leaseID}.json`), { force: true });
}

export function listDirectRecords(env: Env): DirectLeaseRecord[] {
  let names: string[];
  try {
    names = readdirSync(recordDir(env));
  } catch {
    return [];
  }
  const records: DirectLeaseRecord[] = [];
  for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
    try {
      const record = JSON.parse(readFileSync(join(recordDir(env), name), "utf8")) as DirectLeaseRecord;
      if (isLeaseId(record.leaseID)) records.push(record);
    } catch {
      // a half-written or foreign file is not a lease
    }
  }
  return records;
}

/**
 * By lease ID, slug or machine name; two matches are ambiguous. Undefined when none matches,
 * for commands that then ask the coordinator instead.
 */
export function matchDirectRecord(env: Env, idOrSlug: string): DirectLeaseRecord | undefined {
  const wanted = idOrSlug.trim();
  const records = listDirectRecords(env);
  const byId = records.find((r) => r.leaseID === wanted);
  if (byId) return byId;
  const slug = normalizeSlug(wanted);
  const matches = records.filter((r) => r.slug === slug || r.name === wanted);
  if (matches.length > 1) {
    throw new CrabboxError(
      "ambiguous",
      `"${wanted}" matches several direct leases: ${matches.map((m) => m.leaseID).join(", ")}`,
    );
  }
  return matches[0];
}

/** As `matchDirectRecord`, but none is not found. */
export function findDirectRecord(env: Env, idOrSlug: string): DirectLeaseRecord {
  const record = matchDirectRecord(env, idOrSlug);
  if (!record) throw new CrabboxError("not_found", `no direct lease "${idOrSlug.trim()}" on this computer`);
  return record;
}
