/**
 * Copies a run's artifacts from the machine after its command, whatever the command's exit
 * status (docs/cli.md "Artifacts"): one SSH call lists the candidate files (`find`, never
 * following symlinks, skipping `.git`, `.crabbox` and `node_modules`), the globs are matched
 * here, and one `tar` stream brings the matches back, hashed (SHA-256) as they are written.
 * Native Windows machines run the PowerShell halves in artifact-scripts-windows.ts.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract as tarExtract } from "tar-stream";
import { type ArtifactEntry, artifactBounds } from "../../domain/artifacts";
import { CrabboxError } from "../../errors";
import type { SshSession } from "../ssh/connect";
import { shellQuoteWord } from "../ssh/quote";
import { artifactMatcher, searchRoot } from "./artifact-globs";
import { windowsListCommand, windowsTarCommand } from "./artifact-scripts-windows";

/** What one run copies back at most; the run record lists the same entries. */
export const artifactLimits = {
  files: artifactBounds.entries,
  bytes: 1024 * 1024 * 1024,
  /** The candidate listing read back from the machine; a tree larger than this is cut (and said). */
  listingBytes: 8 * 1024 * 1024,
} as const;

export interface ArtifactRequest {
  /** Normalised globs (artifact-globs.ts); required globs are collected too. */
  globs: readonly string[];
  required: readonly string[];
  /** Local directory the files land in, created when something matched. */
  dest: string;
}

export interface ArtifactCollection {
  entries: ArtifactEntry[];
  /** Required globs no copied file matched. */
  missing: string[];
  /** Matches left on the machine because of the file or byte bound. */
  omitted: number;
  /** The candidate listing hit `artifactLimits.listingBytes`: later candidates were never seen. */
  listingTruncated?: boolean;
}

/** The POSIX listing script: NUL-separated paths relative to the workdir. */
export function listCommand(workdir: string, globs: readonly string[]): string {
  const finds = [...new Set(globs.map((g) => JSON.stringify(searchRoot(g))))].map((key) => {
    const { base, maxDepth } = JSON.parse(key) as ReturnType<typeof searchRoot>;
    const b = shellQuoteWord(base);
    const depth = maxDepth !== undefined ? ` -maxdepth ${maxDepth}` : "";
    return `if [ -e ${b} ]; then find ${b}${depth} \\( -name .git -o -name .crabbox -o -name node_modules \\) -prune -o -type f -print0; fi`;
  });
  return `cd ${shellQuoteWord(workdir)} || exit 3; ${finds.join("; ")}`;
}

/** `tar` of the NUL-separated `./`-prefixed paths on stdin (GNU tar and bsdtar both read `--null -T -`). */
export function tarCommand(workdir: string): string {
  return `cd ${shellQuoteWord(workdir)} || exit 3; tar -cf - --null -T -`;
}

export function relativeName(path: string): string {
  return path.replace(/^(\.\/)+/, "");
}

export async function collectArtifacts(
  session: SshSession,
  workdir: string,
  request: ArtifactRequest,
  os: "posix" | "windows" = "posix",
): Promise<ArtifactCollection> {
  const globs: string[] = [...new Set([...request.globs, ...request.required])];
  if (globs.length === 0) return { entries: [], missing: [], omitted: 0 };
  const listing: Buffer[] = [];
  let listedBytes = 0;
  const cut = new AbortController();
  const list = os === "windows" ? windowsListCommand : listCommand;
  const listed = await session.exec(list(workdir, globs), {
    signal: cut.signal,
    watchdog: false,
    onStdout: (c) => {
      if (cut.signal.aborted) return;
      listing.push(c);
      listedBytes += c.length;
      if (listedBytes >= artifactLimits.listingBytes) cut.abort();
    },
  });
  const truncated = cut.signal.aborted;
  if (listed.exitCode !== 0 && !truncated)
    throw new CrabboxError("ssh_failed", `listing artifacts failed on the machine (exit ${listed.exitCode})`);
  const matchers = globs.map(artifactMatcher);
  const names = Buffer.concat(listing).subarray(0, artifactLimits.listingBytes).toString("utf8").split("\0");
  // A cut listing ends in a partial name: only NUL-terminated names count.
  if (truncated || names.at(-1) !== "") names.pop();
  const paths: string[] = names.filter(Boolean).map(relativeName);
  const candidates: string[] = [
    ...new Set(paths.filter((path) => matchers.some((match) => match(path)))),
  ].sort();
  const chosen = candidates.slice(0, artifactLimits.files);
  let omitted = candidates.length - chosen.length;
  const tar = os === "windows" ? windowsTarCommand(workdir) : tarCommand(workdir);
  const entries = chosen.length ? await download(session, tar, chosen, request.dest) : [];
  omitted += chosen.length - entries.length;
  const requiredMatchers = request.required.map((glob) => ({ glob, match: artifactMatcher(glob) }));
  const missing = requiredMatchers
    .filter(({ match }) => !entries.some((e) => match(e.path)))
    .map(({ glob }) => glob);
  return { entries, missing, omitted, ...(truncated ? { listingTruncated: true } : {}) };
}

async function download(
  session: SshSession,
  tar: string,
  paths: readonly string[],
  dest: string,
): Promise<ArtifactEntry[]> {
  const wanted = new Set(paths);
  const root = resolve(dest);
  const entries: ArtifactEntry[] = [];
  let total = 0;
  const stop = new AbortController();
  const extract = tarExtract();
  const incoming = new PassThrough();
  extract.on("entry", (header, stream, next) => {
    const name = relativeName(header.name);
    const target = resolve(root, name);
    const size = header.size ?? 0;
    // Only what was asked for, inside the destination, within the byte bound.
    if (
      header.type !== "file" ||
      !wanted.has(name) ||
      !target.startsWith(root + sep) ||
      total + size > artifactLimits.bytes
    ) {
      if (total + size > artifactLimits.bytes) stop.abort();
      stream.resume();
      stream.on("end", next);
      return;
    }
    total += size;
    const hash = createHash("sha256");
    mkdir(dirname(target), { recursive: true })
      .then(() => {
        // Listeners attach only now: the entry must not flow before the file is open.
        stream.on("data", (chunk) => hash.update(chunk as Buffer));
        return pipeline(stream, createWriteStream(target, { mode: 0o600 }));
      })
      .then(() => {
        entries.push({ path: name, bytes: size, sha256: hash.digest("hex") });
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
  const stdin = Buffer.from(paths.map((p) => `./${p}\0`).join(""), "utf8");
  const errors: Buffer[] = [];
  const result = await session.exec(tar, {
    stdin,
    signal: stop.signal,
    watchdog: false,
    // Piped, not pushed: a slow local disk pauses the channel instead of filling memory.
    stdout: incoming,
    onStderr: (chunk) => errors.push(chunk),
  });
  incoming.end();
  await extracted.catch((error: Error) => {
    if (!stop.signal.aborted)
      throw new CrabboxError("ssh_failed", `reading artifacts failed: ${error.message}`);
  });
  if (result.exitCode !== 0 && !stop.signal.aborted && entries.length < paths.length) {
    const why = Buffer.concat(errors).toString("utf8").trim().split("\n")[0] ?? "";
    throw new CrabboxError(
      "ssh_failed",
      `copying artifacts failed on the machine (exit ${result.exitCode}) ${why}`,
    );
  }
  return entries.sort((a, b) => a.path.localeCompare(b.path));
}
