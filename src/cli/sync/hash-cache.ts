/**
 * Content hashes survive between runs in `<git dir>/crabbox/hash-cache.json`, keyed by path and
 * valid only while size, mtime, ctime and inode are unchanged. A file modified within
 * {@link RACY_WINDOW_MS} before it was hashed could change again without its timestamps
 * moving (coarse filesystem clocks), so such entries are never trusted — the same "racy clean"
 * rule Git applies to its index.
 *
 * The file holds one array per entry (`[path, size, mtimeMs, ctimeMs, ino, hash, hashedAt]`):
 * on a no-change sync of a large tree, loading this file is one of the few per-file costs left,
 * and arrays parse about twice as fast as objects with named fields (docs/sync.md).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export const RACY_WINDOW_MS = 2000;
const VERSION = 2;

export interface StatKey {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

type Row = [
  path: string,
  size: number,
  mtimeMs: number,
  ctimeMs: number,
  ino: number,
  hash: string,
  hashedAt: number,
];

interface CacheFile {
  version: typeof VERSION;
  entries: Row[];
}

export class HashCache {
  private readonly entries: Map<string, Row>;
  private dirty = false;

  private constructor(
    private readonly path: string | undefined,
    entries: Map<string, Row>,
  ) {
    this.entries = entries;
  }

  static load(path: string | undefined): HashCache {
    if (!path) return new HashCache(undefined, new Map());
    try {
      const parsed = JSON.parse(readFileSync(path, "utf8")) as CacheFile;
      if (parsed.version === VERSION && Array.isArray(parsed.entries)) {
        const entries = new Map<string, Row>();
        for (const row of parsed.entries) {
          if (
            Array.isArray(row) &&
            row.length === 7 &&
            typeof row[0] === "string" &&
            typeof row[5] === "string"
          )
            entries.set(row[0], row);
        }
        return new HashCache(path, entries);
      }
    } catch {
      // missing or unreadable: start empty; the cache is only ever an optimisation
    }
    // an older format is simply rebuilt: the first sync after an upgrade hashes again
    return new HashCache(path, new Map());
  }

  get(path: string, stat: StatKey): string | undefined {
    const row = this.entries.get(path);
    if (!row) return undefined;
    if (
      row[1] !== stat.size ||
      row[2] !== stat.mtimeMs ||
      row[3] !== stat.ctimeMs ||
      row[4] !== stat.ino ||
      stat.mtimeMs >= row[6] - RACY_WINDOW_MS
    ) {
      return undefined;
    }
    return row[5];
  }

  set(path: string, stat: StatKey, hash: string, hashedAt: number): void {
    if (this.get(path, stat) === hash) return;
    this.entries.set(path, [path, stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino, hash, hashedAt]);
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
        JSON.stringify({ version: VERSION, entries: [...this.entries.values()] } satisfies CacheFile),
      );
      renameSync(tmp, this.path);
      this.dirty = false;
    } catch {
      // a read-only checkout still syncs; it just hashes again next time
    }
  }
}
