/**
 * Content hashes survive between runs in `<git dir>/crabbox/hash-cache.json`, keyed by path and
 * valid only while size, mtime, ctime and inode are unchanged. A file modified within
 * {@link RACY_WINDOW_MS} before it was hashed could change again without its timestamps
 * moving (coarse filesystem clocks), so such entries are never trusted — the same "racy clean"
 * rule Git applies to its index.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export const RACY_WINDOW_MS = 2000;

export interface StatKey {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

interface CachedHash extends StatKey {
  hash: string;
  hashedAt: number;
}

interface CacheFile {
  version: 1;
  entries: Record<string, CachedHash>;
}

export class HashCache {
  private readonly entries: Map<string, CachedHash>;
  private dirty = false;

  private constructor(
    private readonly path: string | undefined,
    entries: Map<string, CachedHash>,
  ) {
    this.entries = entries;
  }

  static load(path: string | undefined): HashCache {
    if (!path) return new HashCache(undefined, new Map());
    try {
      const parsed = JSON.parse(readFileSync(path, "utf8")) as CacheFile;
      if (parsed.version === 1 && parsed.entries && typeof parsed.entries === "object") {
        return new HashCache(path, new Map(Object.entries(parsed.entries)));
      }
    } catch {
      // missing or unreadable: start empty; the cache is only ever an optimisation
    }
    return new HashCache(path, new Map());
  }

  get(path: string, stat: StatKey): string | undefined {
    const entry = this.entries.get(path);
    if (!entry) return undefined;
    if (
      entry.size !== stat.size ||
      entry.mtimeMs !== stat.mtimeMs ||
      entry.ctimeMs !== stat.ctimeMs ||
      entry.ino !== stat.ino ||
      stat.mtimeMs >= entry.hashedAt - RACY_WINDOW_MS
    ) {
      return undefined;
    }
    return entry.hash;
  }

  set(path: string, stat: StatKey, hash: string, hashedAt: number): void {
    if (this.get(path, stat) === hash) return;
    this.entries.set(path, {
      size: stat.size,
      mtimeMs: stat.mtimeMs,
      ctimeMs: stat.ctimeMs,
      ino: stat.ino,
      hash,
      hashedAt,
    });
    this.dirty = true;
  }

  /** Drops entries for paths that are no longer in the manifest. */
  retainOnly(paths: ReadonlySet<string>): void {
    for (const path of this.entries.keys()) {
      if (!paths.has(path)) {
        this.entries.delete(path);
        this.dirty = true;
      }
    }
  }

  save(): void {
    if (!this.path || !this.dirty) return;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(
        tmp,
        JSON.stringify({ version: 1, entries: Object.fromEntries(this.entries) } satisfies CacheFile),
      );
      renameSync(tmp, this.path);
      this.dirty = false;
    } catch {
      // a read-only checkout still syncs; it just hashes again next time
    }
  }
}
