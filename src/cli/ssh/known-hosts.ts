/**
 * Host-key pinning. The first connection to a machine records its host key; every later
 * connection must present the same key. The file uses OpenSSH's known_hosts line shape
 * (`<name> <type> <base64>`) so that `ssh -o UserKnownHostsFile=…` can read it too.
 */
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CrabboxError } from "../../errors";

/**
 * - `pin`: trust on first use, then require the same key (the default).
 * - `strict`: the key must already be recorded (or given as `expectedHostKey`).
 * - `accept-any`: no check at all; only for throwaway loopback machines in tests.
 */
export type HostKeyPolicy = "pin" | "strict" | "accept-any";

export interface HostKeyCheck {
  policy: HostKeyPolicy;
  /** File of pinned keys; default `<user config dir>/known_hosts`. */
  knownHostsPath?: string;
  /** The name a key is pinned under; default `[host]:port` (use the lease ID for machines whose address may be reused). */
  alias: string;
  /** A key the coordinator recorded for this machine (`ssh-ed25519 AAAA…`); must match when given. */
  expectedHostKey?: string;
}

export function defaultKnownHostsPath(): string {
  const configDir =
    process.env.CRABBOX_CONFIG_DIR ??
    join(process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "crabbox");
  return join(configDir, "known_hosts");
}

export function hostAlias(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** `ssh-ed25519 AAAA…` for a raw host-key blob as the SSH transport delivers it. */
export function hostKeyLine(blob: Buffer): string {
  const typeLength = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  const type = blob.subarray(4, 4 + typeLength).toString("latin1") || "unknown";
  return `${type} ${blob.toString("base64")}`;
}

export function hostKeyFingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The `type base64` keys pinned under `alias` in a known-hosts file. */
export function pinnedHostKeys(path: string, alias: string): string[] {
  if (!existsSync(path)) return [];
  const keys: string[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const [names, type, key] = line.trim().split(/\s+/);
    if (!names || !type || !key || names.startsWith("#")) continue;
    if (names.split(",").includes(alias)) keys.push(`${type} ${key}`);
  }
  return keys;
}

function normaliseKey(line: string): string {
  return line.trim().split(/\s+/).slice(0, 2).join(" ");
}

/**
 * Verifies (and on first use records) a presented host key. Returns normally when the key is
 * acceptable and throws a `CrabboxError("ssh_failed")` naming the fix when it is not.
 */
export function verifyHostKey(check: HostKeyCheck, blob: Buffer): void {
  if (check.policy === "accept-any") return;
  const presented = hostKeyLine(blob);
  const fingerprint = hostKeyFingerprint(blob);
  if (check.expectedHostKey !== undefined) {
    if (normaliseKey(check.expectedHostKey) !== presented) {
      throw new CrabboxError(
        "ssh_failed",
        `host key of ${check.alias} (${fingerprint}) does not match the key the coordinator recorded for this machine; refusing to connect`,
        { stage: "host-key", fingerprint },
      );
    }
    return;
  }
  const path = check.knownHostsPath ?? defaultKnownHostsPath();
  const known = pinnedHostKeys(path, check.alias);
  if (known.includes(presented)) return;
  if (known.length > 0) {
    throw new CrabboxError(
      "ssh_failed",
      `host key of ${check.alias} changed (now ${fingerprint}); if the machine was really replaced, remove its line from ${path}`,
      { stage: "host-key", fingerprint },
    );
  }
  if (check.policy === "strict") {
    throw new CrabboxError(
      "ssh_failed",
      `host key of ${check.alias} (${fingerprint}) is not pinned in ${path} and the host-key policy is strict`,
      { stage: "host-key", fingerprint },
    );
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  appendFileSync(path, `${check.alias} ${presented}\n`, { mode: 0o600 });
}
