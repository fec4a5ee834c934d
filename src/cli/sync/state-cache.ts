/**
 * A local copy of the last state written to each machine (keyed by host, port and work root),
 * so that an unchanged checkout can skip downloading the remote state. Only an optimisation:
 * every failure here reads as "no cache".
 */
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SshSession } from "../ssh/connect";
import { defaultCacheDir } from "./cache-dir";
import { STATE_HEADER } from "./state";

export function stateCachePath(session: SshSession, workRoot: string): string {
  const key = createHash("sha256")
    .update(`${session.host}\0${session.port}\0${workRoot}`)
    .digest("hex")
    .slice(0, 32);
  return join(defaultCacheDir(), "remote-state", key);
}

/** Only the header line is read here; the state itself when it is needed. */
export function readCachedState(path: string | undefined): { path: string; fingerprint: string } | undefined {
  if (!path) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const head = Buffer.alloc(256);
    const length = readSync(fd, head, 0, head.length, 0);
    const text = head.subarray(0, length).toString("utf8");
    const newline = text.indexOf("\n");
    const header = newline === -1 ? "" : text.slice(0, newline);
    if (!header.startsWith(`${STATE_HEADER} `)) return undefined;
    return { path, fingerprint: header.slice(STATE_HEADER.length + 1) };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function writeCachedState(path: string | undefined, state: Buffer): void {
  if (!path) return;
  try {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(`${path}.tmp`, state);
    renameSync(`${path}.tmp`, path);
  } catch {
    // only an optimisation
  }
}
