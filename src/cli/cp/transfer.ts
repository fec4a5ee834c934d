/**
 * The local halves of `crabbox cp`: a tar stream of a local file or directory into the upload
 * command, and the download command's tar written under the local destination. Only regular
 * files and directories travel; symlinks and other entries are skipped and counted, and no
 * entry may land outside the destination.
 */
import { createReadStream, createWriteStream, type Stats } from "node:fs";
import { lstat, mkdir, readdir, stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { PassThrough, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract as tarExtract, pack as tarPack } from "tar-stream";
import { CrabboxError } from "../../errors";
import type { SshSession } from "../ssh/connect";
import {
  CP_HEADER,
  CP_MISSING_EXIT,
  downloadCommand,
  type RemoteOs,
  remoteBasename,
  remoteDirname,
  uploadCommand,
} from "./scripts";

export interface CopyResult {
  files: number;
  bytes: number;
  /** Symlinks and special files left out. */
  skipped: number;
}

interface LocalFile {
  abs: string;
  name: string;
  stats: Stats;
}

async function walk(root: string, prefix: string, out: LocalFile[], skipped: { n: number }): Promise<void> {
  for (const entry of (await readdir(root, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const abs = join(root, entry.name);
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await walk(abs, name, out, skipped);
    else if (entry.isFile()) out.push({ abs, name, stats: await stat(abs) });
    else skipped.n++;
  }
}

/** Local → lease. A directory's contents go into the remote path; a file goes to it (or into it, with a trailing `/`). */
export async function upload(
  session: SshSession,
  os: RemoteOs,
  localPath: string,
  remotePath: string,
  rawRemote: string,
): Promise<CopyResult> {
  const info = await lstat(localPath).catch(() => undefined);
  if (!info) throw new CrabboxError("not_found", `no such local file or directory: ${localPath}`);
  const files: LocalFile[] = [];
  const skipped = { n: 0 };
  let dir: string;
  if (info.isDirectory()) {
    await walk(localPath, "", files, skipped);
    dir = remotePath;
  } else if (info.isFile()) {
    const into = rawRemote === "" || /[\\/]$/.test(rawRemote);
    dir = into ? remotePath : remoteDirname(os, remotePath);
    files.push({
      abs: localPath,
      name: into ? basename(localPath) : remoteBasename(os, remotePath),
      stats: info,
    });
  } else {
    throw new CrabboxError("usage", `cp copies regular files and directories, and ${localPath} is neither`);
  }
  const pack = tarPack();
  let bytes = 0;
  const producing = (async () => {
    for (const file of files) {
      await new Promise<void>((done, fail) => {
        const entry = pack.entry(
          {
            name: file.name,
            size: file.stats.size,
            mode: file.stats.mode & 0o777,
            mtime: file.stats.mtime,
            type: "file",
          },
          (error) => (error ? fail(error) : done()),
        );
        const read = createReadStream(file.abs);
        read.on("error", fail);
        read.pipe(entry as unknown as NodeJS.WritableStream);
      });
      bytes += file.stats.size;
    }
    pack.finalize();
  })();
  producing.catch((error) => pack.destroy(error as Error));
  const stdin = new PassThrough();
  pack.pipe(stdin);
  const errors: Buffer[] = [];
  const result = await session.exec(uploadCommand(os, dir), { stdin, onStderr: (c) => errors.push(c) });
  await producing.catch((error: Error) => {
    throw new CrabboxError("usage", `reading ${localPath} failed: ${error.message}`);
  });
  if (result.exitCode !== 0) {
    const why = Buffer.concat(errors).toString("utf8").trim().split("\n")[0] ?? "";
    throw new CrabboxError(
      "ssh_failed",
      `extracting on the machine failed (exit ${result.exitCode}): ${why}`,
    );
  }
  return { files: files.length, bytes, skipped: skipped.n };
}

/**
 * The download's stream before the tar: reads the `crabbox-cp dir|file` header line, then
 * passes the tar through unchanged, with the backpressure of whatever it is piped into.
 */
class HeaderLine extends Transform {
  kind: "dir" | "file" | undefined;
  private head = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.kind) {
      done(null, chunk);
      return;
    }
    this.head = Buffer.concat([this.head, chunk]);
    const newline = this.head.indexOf(10);
    if (newline === -1) {
      done();
      return;
    }
    const line = this.head.subarray(0, newline).toString("utf8").trim();
    this.kind = line === `${CP_HEADER} dir` ? "dir" : "file";
    const rest = this.head.subarray(newline + 1);
    this.head = Buffer.alloc(0);
    done(null, rest.length ? rest : undefined);
  }
}

/** Lease → local. A directory's contents go into the local path; a file goes to it (or into it, when it is a directory). */
export async function download(
  session: SshSession,
  os: RemoteOs,
  remotePath: string,
  localPath: string,
): Promise<CopyResult> {
  const root = resolve(localPath);
  const existing = await stat(root).catch(() => undefined);
  const into = existing?.isDirectory() || /[\\/]$/.test(localPath);
  const incoming = new HeaderLine();
  const result: CopyResult = { files: 0, bytes: 0, skipped: 0 };
  const extract = tarExtract();
  extract.on("entry", (header, stream, next) => {
    const name = header.name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
    const skip = () => {
      stream.resume();
      stream.on("end", next);
    };
    if (header.type === "directory" || name === "" || name === ".") return skip();
    if (header.type !== "file") {
      result.skipped++;
      return skip();
    }
    const kind = incoming.kind;
    const target = kind === "file" ? (into ? join(root, basename(name)) : root) : resolve(root, name);
    if (kind !== "file" && !target.startsWith(root + sep)) {
      result.skipped++;
      return skip();
    }
    mkdir(dirname(target), { recursive: true })
      .then(() => pipeline(stream, createWriteStream(target, { mode: (header.mode ?? 0o644) & 0o777 })))
      .then(() => {
        result.files++;
        result.bytes += header.size ?? 0;
        next();
      })
      .catch((error) => next(error));
  });
  const extracted = new Promise<void>((done, fail) => {
    extract.on("finish", done);
    extract.on("error", (error) => {
      // Drain the rest, so the channel still ends and the error is reported.
      incoming.unpipe(extract);
      incoming.resume();
      fail(error);
    });
  });
  extracted.catch(() => {});
  incoming.pipe(extract);
  const errors: Buffer[] = [];
  // Piped, not pushed: a slow local disk pauses the channel instead of filling memory.
  const exec = await session.exec(downloadCommand(os, remotePath), {
    stdout: incoming,
    onStderr: (c) => errors.push(c),
  });
  if (exec.exitCode === CP_MISSING_EXIT)
    throw new CrabboxError("not_found", `no such file or directory on the machine: ${remotePath}`);
  if (incoming.kind === "dir") await mkdir(root, { recursive: true });
  incoming.end();
  await extracted.catch((error: Error) => {
    throw new CrabboxError("ssh_failed", `reading the copy failed: ${error.message}`);
  });
  if (exec.exitCode !== 0) {
    const why = Buffer.concat(errors).toString("utf8").trim().split("\n")[0] ?? "";
    throw new CrabboxError("ssh_failed", `archiving on the machine failed (exit ${exec.exitCode}): ${why}`);
  }
  return result;
}

export function shownPath(cwd: string, path: string): string {
  const rel = relative(cwd, resolve(cwd, path));
  return rel === "" ? "." : rel.startsWith("..") ? resolve(cwd, path) : rel;
}
