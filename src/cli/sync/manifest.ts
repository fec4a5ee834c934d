/**
 * The local side of a sync: which files the machine should have, with their content hashes.
 * Built from Git's listing (tracked + untracked-but-not-ignored files), or from a walk of a
 * directory Git does not cover (`source.ts`), before any machine is leased, so a tree that
 * cannot be synced fails before money is spent.
 */
import { createHash } from "node:crypto";
import { createReadStream, lstatSync, readFileSync, readlinkSync, type Stats } from "node:fs";
import { join, resolve } from "node:path";
import { CrabboxError } from "../../errors";
import { DEFAULT_EXCLUDES, excludeMatcher, isSafeRelativePath, readCrabboxIgnore } from "./excludes";
import { checkSizeGuards, DEFAULT_MAX_BYTES, DEFAULT_MAX_FILES } from "./guards";
import { HashCache } from "./hash-cache";
import { listSource, type SyncMode } from "./source";

export type EntryKind = "file" | "symlink";

export interface ManifestEntry {
  /** Relative, `/`-separated, never escaping the root. */
  path: string;
  kind: EntryKind;
  /** 0o755 for executables, 0o644 otherwise, 0o777 for symlinks. */
  mode: number;
  size: number;
  mtimeMs: number;
  /** SHA-256 hex of the content (files) or of the link target (symlinks). */
  hash: string;
  /** Link target, for symlinks. */
  target?: string;
}

export interface Manifest {
  root: string;
  /** Sorted by path (code-unit order), unique. */
  entries: ManifestEntry[];
  files: number;
  bytes: number;
  /** Digest of every entry's path, kind, mode and hash: equal fingerprints mean equal trees. */
  fingerprint: string;
  /** The exclude patterns applied (defaults, config, `.crabboxignore`), in order. */
  excludes: string[];
  /** Where the engine keeps local caches for this root (the Git dir, or the user's cache dir). */
  cacheDir?: string;
  /** How the file list was made: Git's listing, or a walk of a directory Git does not cover. */
  mode: SyncMode;
  /** Why the directory mode was chosen (not a repository, ignored by it, no git). */
  modeReason?: string;
  /** The Git work tree's top directory (git mode); differs from `root` when syncing a subdirectory. */
  gitTopLevel?: string;
}

export interface BuildManifestOptions {
  /** Extra patterns from config (`sync.exclude`); defaults and `.crabboxignore` are always added. */
  excludes?: readonly string[];
  /** Refuse more files than this (≤ 0 disables). */
  maxFiles?: number;
  /** Refuse more bytes than this (≤ 0 disables). */
  maxBytes?: number;
  /** Skips the size guards (`--force-sync-large`). */
  allowLarge?: boolean;
  /** Skips the persistent hash cache (always hash everything). */
  noCache?: boolean;
}

const YIELD_EVERY_MS = 8;
const STREAM_HASH_ABOVE = 32 * 1024 * 1024;
/** Split a NUL-separated list (git's `-z` output). */

async function hashStream(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export function symlinkHash(target: string): string {
  return createHash("sha256").update("symlink\0").update(target).digest("hex");
}

export function manifestFingerprint(
  entries: readonly Pick<ManifestEntry, "path" | "kind" | "mode" | "hash">[],
): string {
  const hash = createHash("sha256").update("crabbox-sync v1\n");
  for (const entry of entries)
    hash.update(`${entry.path}\0${entry.kind}\0${entry.mode.toString(8)}\0${entry.hash}\n`);
  return hash.digest("hex");
}

function fileEntry(path: string, stat: Stats, hash: string): ManifestEntry {
  return {
    path,
    kind: "file",
    mode: stat.mode & 0o111 ? 0o755 : 0o644,
    size: stat.size,
    mtimeMs: stat.mtimeMs,
    hash,
  };
}

export async function buildManifest(repoRoot: string, options: BuildManifestOptions = {}): Promise<Manifest> {
  const root = resolve(repoRoot);
  const excludes = [...DEFAULT_EXCLUDES, ...(options.excludes ?? []), ...readCrabboxIgnore(root)];
  const excluded = excludeMatcher(excludes);
  const source = await listSource(root, excluded);
  // loaded while git is still listing (git mode)
  const cache = HashCache.load(options.noCache ? undefined : join(source.cacheDir, "hash-cache.json"));
  const { paths: listed, unreadable } = await source.files();
  // Sorted once here (code-unit order, the manifest's order), so the entries need no sort later.
  const candidates = [...new Set(listed)]
    .filter((path) => isSafeRelativePath(path) && !excluded(path))
    .sort();

  const present: { path: string; stat: Stats }[] = [];
  let bytes = 0;
  const prefix = `${root}/`;
  for (const path of candidates) {
    // undefined: deleted in the working tree but still in the index, so not synced (removed remotely)
    const stat = lstatSync(prefix + path, { throwIfNoEntry: false });
    if (!stat || !(stat.isFile() || stat.isSymbolicLink())) continue; // directories are gitlinks (submodules)
    present.push({ path, stat });
    if (stat.isFile()) bytes += stat.size;
  }
  checkSizeGuards(
    {
      files: present.length,
      bytes,
      paths: () => present.map(({ path, stat }) => ({ path, size: stat.size })),
    },
    {
      maxFiles: options.maxFiles ?? DEFAULT_MAX_FILES,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
      allowLarge: options.allowLarge === true,
    },
  );

  // Cache hits and symlinks are resolved inline (no promise per file: on a no-change sync of a
  // large tree that bookkeeping cost more than the lstat); only cache misses are hashed, in parallel.
  const hashedAt = Date.now();
  const entries: ManifestEntry[] = new Array(present.length);
  const misses: number[] = [];
  for (let i = 0; i < present.length; i++) {
    const { path, stat } = present[i] as (typeof present)[number];
    if (stat.isSymbolicLink()) {
      let target: string;
      try {
        target = readlinkSync(join(root, path));
      } catch (error) {
        unreadable.push(`${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
        continue;
      }
      entries[i] = {
        path,
        kind: "symlink",
        mode: 0o777,
        size: 0,
        mtimeMs: stat.mtimeMs,
        hash: symlinkHash(target),
        target,
      };
      continue;
    }
    const hash = cache.get(path, stat);
    if (hash === undefined) {
      misses.push(i);
      continue;
    }
    entries[i] = fileEntry(path, stat, hash);
  }
  // Misses are read and hashed synchronously: one `readFileSync` is a handful of syscalls, while a
  // promise per file through libuv's thread pool costs several times that on small files (a cold
  // manifest of 50,000 files went from ~12 s to ~1 s). The event loop gets a turn every few
  // milliseconds so the overlapping snapshot and Ctrl-C are still served; files above
  // STREAM_HASH_ABOVE are streamed so memory stays bounded.
  let slice = Date.now();
  for (const i of misses) {
    const { path, stat } = present[i] as (typeof present)[number];
    let hash: string;
    try {
      hash =
        stat.size <= STREAM_HASH_ABOVE
          ? createHash("sha256")
              .update(readFileSync(join(root, path)))
              .digest("hex")
          : await hashStream(join(root, path));
    } catch (error) {
      unreadable.push(`${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      continue;
    }
    cache.set(path, stat, hash, hashedAt);
    entries[i] = fileEntry(path, stat, hash);
    if (Date.now() - slice >= YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      slice = Date.now();
    }
  }
  cache.save();
  if (unreadable.length > 0) throw unreadableError(unreadable);
  cache.retainOnly(new Set(candidates));
  cache.save();

  return {
    root,
    entries,
    files: entries.length,
    bytes,
    fingerprint: manifestFingerprint(entries),
    excludes,
    cacheDir: source.cacheDir,
    mode: source.mode,
    ...(source.reason ? { modeReason: source.reason } : {}),
    ...(source.gitTopLevel ? { gitTopLevel: source.gitTopLevel } : {}),
  };
}

/** Every path that could not be read, in one error: fixing them one run at a time would be slow. */
function unreadableError(paths: readonly string[]): CrabboxError {
  const shown = paths.slice(0, 10).join(", ");
  const more = paths.length > 10 ? ` and ${paths.length - 10} more` : "";
  return new CrabboxError("sync_failed", `cannot read ${paths.length} path(s) to sync: ${shown}${more}`, {
    paths: paths.slice(0, 50),
    hint: "make them readable, or exclude them with sync.exclude in crabbox.yaml or a .crabboxignore line",
  });
}
