/**
 * The remote state file (`<workdir>/.crabbox/manifest`): the manifest of the last sync that
 * completed on the machine. Line 1 is `crabbox-sync-state v1 <fingerprint>` so a one-line read
 * decides "nothing changed"; every further line is one JSON array `[path, kind, mode, size,
 * hash]`, which survives any byte a file name can contain.
 */
import { isSafeRelativePath } from "./excludes";
import type { EntryKind, Manifest, ManifestEntry } from "./manifest";

export const STATE_HEADER = "crabbox-sync-state v1";

export interface RemoteEntry {
  kind: EntryKind;
  mode: number;
  size: number;
  hash: string;
}

export interface RemoteState {
  fingerprint: string;
  entries: Map<string, RemoteEntry>;
}

export function stateHeaderLine(fingerprint: string): string {
  return `${STATE_HEADER} ${fingerprint}`;
}

export function encodeState(manifest: Pick<Manifest, "entries" | "fingerprint">): Buffer {
  const lines = [stateHeaderLine(manifest.fingerprint)];
  for (const entry of manifest.entries) {
    lines.push(
      JSON.stringify([entry.path, entry.kind === "symlink" ? "l" : "f", entry.mode, entry.size, entry.hash]),
    );
  }
  return Buffer.from(`${lines.join("\n")}\n`, "utf8");
}

/** Parses a state file; unknown versions and malformed or unsafe lines are dropped, never trusted. */
export function parseState(text: string): RemoteState | undefined {
  const lines = text.split("\n");
  const header = lines[0] ?? "";
  if (!header.startsWith(`${STATE_HEADER} `)) return undefined;
  const fingerprint = header.slice(STATE_HEADER.length + 1).trim();
  const entries = new Map<string, RemoteEntry>();
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    if (!Array.isArray(parsed) || parsed.length !== 5) continue;
    const [path, kind, mode, size, hash] = parsed as unknown[];
    if (typeof path !== "string" || !isSafeRelativePath(path)) continue;
    if ((kind !== "f" && kind !== "l") || typeof mode !== "number" || typeof size !== "number") continue;
    if (typeof hash !== "string") continue;
    entries.set(path, { kind: kind === "l" ? "symlink" : "file", mode, size, hash });
  }
  return { fingerprint, entries };
}

export interface SyncPlan {
  send: ManifestEntry[];
  /** Paths present after the last sync that the local tree no longer has, sorted. */
  deletions: string[];
  unchanged: number;
}

/** What to send and delete so that the machine matches `manifest`, given its recorded state. */
export function planSync(
  manifest: Pick<Manifest, "entries">,
  remote: RemoteState | undefined,
  drift: ReadonlySet<string>,
): SyncPlan {
  const send: ManifestEntry[] = [];
  let unchanged = 0;
  const local = new Set<string>();
  for (const entry of manifest.entries) {
    local.add(entry.path);
    const recorded = remote?.entries.get(entry.path);
    const same =
      recorded !== undefined &&
      recorded.kind === entry.kind &&
      recorded.mode === entry.mode &&
      recorded.hash === entry.hash &&
      !drift.has(entry.path);
    if (same) unchanged++;
    else send.push(entry);
  }
  const deletions: string[] = [];
  for (const path of remote?.entries.keys() ?? []) {
    if (!local.has(path)) deletions.push(path);
  }
  deletions.sort();
  return { send, deletions, unchanged };
}

/** Parent directories of deleted paths that no remaining entry needs, deepest first. */
export function emptiedDirectories(
  deletions: readonly string[],
  kept: readonly { path: string }[],
): string[] {
  const needed = new Set<string>();
  for (const { path } of kept) {
    const segments = path.split("/");
    for (let n = 1; n < segments.length; n++) needed.add(segments.slice(0, n).join("/"));
  }
  const candidates = new Set<string>();
  for (const path of deletions) {
    const segments = path.split("/");
    for (let n = 1; n < segments.length; n++) {
      const dir = segments.slice(0, n).join("/");
      if (!needed.has(dir)) candidates.add(dir);
    }
  }
  return [...candidates].sort((a, b) => b.split("/").length - a.split("/").length || (a < b ? 1 : -1));
}
