import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { leaseKeyDir } from "../config/paths";
import { generateEd25519 } from "./openssh";

type Env = Record<string, string | undefined>;

export interface LeaseKey {
  dir: string;
  privateKeyPath: string;
  privateKey: string;
  publicKey: string;
  /** Host keys pinned on first connection to this lease's machine. */
  knownHostsPath: string;
}

function paths(dir: string) {
  return {
    privateKeyPath: join(dir, "id_ed25519"),
    publicKeyPath: join(dir, "id_ed25519.pub"),
    knownHostsPath: join(dir, "known_hosts"),
  };
}

/** The lease's key, created (dir 0700, private key 0600) if it does not exist yet. */
export function ensureLeaseKey(env: Env, leaseID: string): LeaseKey {
  const dir = leaseKeyDir(env, leaseID);
  const p = paths(dir);
  if (existsSync(p.privateKeyPath) && existsSync(p.publicKeyPath)) {
    return readLeaseKey(env, leaseID)!;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const pair = generateEd25519(`crabbox ${leaseID}`);
  writeFileSync(p.privateKeyPath, pair.privateKey, { mode: 0o600 });
  chmodSync(p.privateKeyPath, 0o600);
  writeFileSync(p.publicKeyPath, `${pair.publicKey}\n`, { mode: 0o644 });
  return {
    dir,
    privateKeyPath: p.privateKeyPath,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    knownHostsPath: p.knownHostsPath,
  };
}

/** The stored key of a lease, or undefined when this machine never held one (another laptop leased it). */
export function readLeaseKey(env: Env, leaseID: string): LeaseKey | undefined {
  const dir = leaseKeyDir(env, leaseID);
  const p = paths(dir);
  if (!existsSync(p.privateKeyPath)) return undefined;
  const publicKey = existsSync(p.publicKeyPath) ? readFileSync(p.publicKeyPath, "utf8").trim() : "";
  return {
    dir,
    privateKeyPath: p.privateKeyPath,
    privateKey: readFileSync(p.privateKeyPath, "utf8"),
    publicKey,
    knownHostsPath: p.knownHostsPath,
  };
}

/** Forgets the lease's key and pinned host key; called once the lease is released. */
export function deleteLeaseKey(env: Env, leaseID: string): void {
  rmSync(leaseKeyDir(env, leaseID), { recursive: true, force: true });
}
