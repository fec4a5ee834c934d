/**
 * One tar stream of the files to send, read one at a time and paced by how fast
 * the SSH channel drains it, so memory stays bounded on any repository size.
 */
import { createReadStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { Transform } from "node:stream";
import { type Header, pack as tarPack } from "tar-stream";

type EntryHeader = Partial<Header> & Pick<Header, "name">;

import { CrabboxError } from "../../errors";
import type { ManifestEntry } from "./manifest";

const IN_FLIGHT_BYTES = 8 * 1024 * 1024;
const STREAM_ABOVE = 32 * 1024 * 1024;
const COALESCE_BYTES = 256 * 1024;

export interface ExtraFile {
  name: string;
  data: Buffer;
}

export interface TarStream {
  /** Pipe this into the remote `tar -x`. */
  stream: Transform;
  /** Resolves when every entry was produced; rejects when a file could not be read. */
  done: Promise<void>;
  /** Stops producing (the remote side is gone or failed). */
  abort(): void;
  /** Why producing failed (a local file could not be read), if it did. */
  failure(): unknown;
}

function headerFor(entry: ManifestEntry, size: number): EntryHeader {
  const base = { name: entry.path, mtime: new Date(Math.floor(entry.mtimeMs)), uid: 0, gid: 0 };
  if (entry.kind === "symlink")
    return { ...base, type: "symlink", linkname: entry.target ?? "", mode: 0o777 };
  return { ...base, type: "file", size, mode: entry.mode };
}

export function createTarStream(
  root: string,
  entries: readonly ManifestEntry[],
  extras: readonly ExtraFile[],
  onBytes: (bytes: number, files: number) => void,
): TarStream {
  const pack = tarPack();
  let produced = 0;
  let consumed = 0;
  let waiter: (() => void) | undefined;
  let filesSent = 0;
  // tar-stream emits a 512-byte header and a small body per file; written one by one into the
  // SSH channel that is one encrypted packet (and one syscall on each side) per piece. Coalescing
  // into large chunks is what makes 5,000 small files stream at link speed.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const emit = (target: Transform) => {
    if (pendingBytes === 0) return;
    target.push(pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes));
    consumed += pendingBytes;
    pending = [];
    pendingBytes = 0;
    onBytes(consumed, filesSent);
    if (waiter && produced - consumed < IN_FLIGHT_BYTES / 2) {
      const wake = waiter;
      waiter = undefined;
      wake();
    }
  };
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= COALESCE_BYTES) emit(this);
      callback();
    },
    flush(callback) {
      emit(this);
      callback();
    },
  });
  pack.pipe(counter);

  const add = (header: EntryHeader, data?: Buffer) =>
    new Promise<void>((resolve, reject) =>
      pack.entry(header, data ?? Buffer.alloc(0), (error) => (error ? reject(error) : resolve())),
    );
  const addStream = (header: EntryHeader, path: string) =>
    new Promise<void>((resolve, reject) => {
      const sink = pack.entry(header, (error) => (error ? reject(error) : resolve()));
      const source = createReadStream(path);
      source.on("error", reject);
      source.pipe(sink);
    });
  let aborted = false;
  let failed: unknown;
  const pace = async () => {
    while (!aborted && produced - consumed > IN_FLIGHT_BYTES) {
      await new Promise<void>((resolve) => (waiter = resolve));
    }
  };

  const done = (async () => {
    try {
      for (let index = 0; index < entries.length; index++) {
        if (aborted) return;
        const entry = entries[index] as ManifestEntry;
        let data: Buffer | undefined;
        if (entry.kind === "file" && entry.size <= STREAM_ABOVE) {
          // A synchronous read: a few syscalls, where a promise through libuv's thread pool per
          // small file cost several times more (docs/sync.md, cold sync). `pace()` below is the
          // backpressure, so reading ahead buys nothing.
          try {
            data = readFileSync(join(root, entry.path));
          } catch (error) {
            throw new CrabboxError(
              "sync_failed",
              `${entry.path} changed or vanished while syncing (${(error as Error).message}); run again`,
              { path: entry.path },
            );
          }
        }
        if (entry.kind === "symlink") {
          await add(headerFor(entry, 0));
        } else if (data) {
          await add(headerFor(entry, data.length), data);
          produced += data.length + 512;
        } else {
          await addStream(headerFor(entry, entry.size), join(root, entry.path));
          produced += entry.size + 512;
        }
        filesSent++;
        await pace();
      }
      const now = new Date();
      for (const extra of extras)
        await add(
          {
            name: extra.name,
            type: "file",
            size: extra.data.length,
            mode: 0o644,
            mtime: now,
            uid: 0,
            gid: 0,
          },
          extra.data,
        );
      pack.finalize();
    } catch (error) {
      if (aborted) return; // destroying the pack on abort fails the entry in flight; not a failure of ours
      failed = error;
      pack.destroy(error as Error);
      counter.destroy(error as Error);
      throw error;
    }
  })();
  done.catch(() => {});
  const abort = () => {
    if (aborted) return;
    aborted = true;
    const wake = waiter;
    waiter = undefined;
    wake?.();
    pack.destroy();
  };
  return { stream: counter, done, abort, failure: () => failed };
}
