/**
 * The remote half of a sync on POSIX machines: two `sh` scripts that need nothing but `sh`,
 * `find` and `tar`. The snapshot reads the state file (or just its first line when nothing
 * changed) and lists files modified on the machine since the last sync; the apply deletes,
 * extracts one tar stream and swaps the new state in with an atomic rename.
 */
import { CrabboxError } from "../../errors";
import { shellQuoteWord as q } from "../ssh/quote";
import { STATE_DIR } from "./excludes";
import { STATE_HEADER, stateHeaderLine } from "./state";

export const DRIFT_MARKER = "\0crabbox-drift\0";
const STATE_FILE = `${STATE_DIR}/manifest`;
/**
 * Written by the apply once the tree matches the state it just wrote; removed by every command
 * `crabbox run` starts in the workdir ({@link CLEAN_MARKER_RESET}). While it exists nothing
 * crabbox ran can have changed a synced file, so the snapshot skips its drift walk — the one
 * remote cost that grows with the tree (docs/sync.md, drift detection).
 */
export const CLEAN_MARKER = `${STATE_DIR}/clean`;
/** The shell words that invalidate the clean marker; prefix of every remote command in the workdir. */
export const CLEAN_MARKER_RESET = `rm -f ${CLEAN_MARKER} 2>/dev/null;`;
/** Follows the drift marker when the walk was skipped because the clean marker was present. */
export const WALK_SKIPPED = "crabbox-clean";
const INCOMING_DIR = `${STATE_DIR}/incoming`;
export const INCOMING_STATE = `${INCOMING_DIR}/manifest`;
/** Above this many bytes of `rm` arguments, deletions go through stdin instead of the command line (ARG_MAX). */
export const INLINE_DELETE_LIMIT = 64 * 1024;

export interface SnapshotArgs {
  workdir: string;
  /** Fingerprint of the state this client last wrote there: when it still matches, the body is not sent. */
  knownFingerprint?: string;
  prune: { names: readonly string[]; paths: readonly string[] };
}

/**
 * Answers `crabbox-sync none`, `crabbox-sync known <fp>` (state unchanged since this client wrote
 * it) or `crabbox-sync full <fp>` followed by the state file, then the drift marker and the
 * NUL-separated files modified on the machine since the last sync. Needs no local fingerprint,
 * so it can run while the local manifest is still being built.
 */
export function posixSnapshotCommand(args: SnapshotArgs): string {
  const none = `printf 'crabbox-sync none\\n\\0crabbox-drift\\0'; exit 0`;
  const prune = [
    `-path ${q(`./${STATE_DIR}`)}`,
    ...args.prune.names.map((name) => `-name ${q(name)}`),
    ...args.prune.paths.map((path) => `-path ${q(`./${path}`)}`),
  ].join(" -o ");
  const known = args.knownFingerprint
    ? `[ "$crabbox_head" = ${q(stateHeaderLine(args.knownFingerprint))} ]`
    : "false";
  return [
    `cd ${q(args.workdir)} 2>/dev/null || { ${none}; }`,
    `[ -f ${STATE_FILE} ] || { ${none}; }`,
    `crabbox_head=; IFS= read -r crabbox_head < ${STATE_FILE} || true`,
    `crabbox_fp=\${crabbox_head#${STATE_HEADER} }`,
    `if ${known}; then printf 'crabbox-sync known %s\\n' "$crabbox_fp"; ` +
      `else printf 'crabbox-sync full %s\\n' "$crabbox_fp"; cat ${STATE_FILE}; fi`,
    `printf '\\0crabbox-drift\\0'`,
    `if [ -f ${CLEAN_MARKER} ] && [ ! ${CLEAN_MARKER} -ot ${STATE_FILE} ]; then printf '${WALK_SKIPPED}\\0'; else`,
    `find . \\( ${prune} \\) -prune -o \\( -type f -o -type l \\) -newer ${STATE_FILE} -exec printf '%s\\0' {} + 2>/dev/null || true; fi`,
  ].join("\n");
}

export type SnapshotStatus = "none" | "known" | "full";

export interface ParsedSnapshot {
  status: SnapshotStatus;
  /** The fingerprint recorded on the machine (not for `none`). */
  fingerprint?: string;
  stateText?: string;
  drift: Set<string>;
  /** False when the clean marker let the machine skip the drift walk. */
  walked: boolean;
}

export function parseSnapshot(output: Buffer): ParsedSnapshot {
  const text = output.toString("utf8");
  const newline = text.indexOf("\n");
  const firstLine = newline === -1 ? text : text.slice(0, newline);
  const match = /^crabbox-sync (none|known|full)(?: (.*))?$/.exec(firstLine);
  if (!match)
    throw new CrabboxError(
      "sync_failed",
      `unexpected snapshot answer from the machine: ${JSON.stringify(firstLine.slice(0, 80))}; is its shell printing a banner? (check with \`crabbox ssh <lease> -- true\`)`,
    );
  const status = match[1] as SnapshotStatus;
  const marker = text.indexOf(DRIFT_MARKER, newline);
  const body = marker === -1 ? text.slice(newline + 1) : text.slice(newline + 1, marker);
  const drift = new Set<string>();
  let walked = true;
  if (marker !== -1) {
    for (const raw of text.slice(marker + DRIFT_MARKER.length).split("\0")) {
      if (raw.startsWith("./")) drift.add(raw.slice(2));
      else if (raw === WALK_SKIPPED) walked = false;
    }
  }
  if (status === "none") return { status, drift, walked };
  const fingerprint = match[2] ?? "";
  return status === "full"
    ? { status, fingerprint, stateText: body, drift, walked }
    : { status, fingerprint, drift, walked };
}

function chunked(words: readonly string[], prefix: string, suffix: string, maxLine = 8192): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line !== "" && line.length + word.length > maxLine) {
      lines.push(`${prefix}${line}${suffix}`);
      line = "";
    }
    line += ` ${word}`;
  }
  if (line !== "") lines.push(`${prefix}${line}${suffix}`);
  return lines;
}

/** `rm` of deleted paths and `rmdir` of directories they leave empty, run inside the workdir. */
export function posixDeletionScript(deletions: readonly string[], emptiedDirs: readonly string[]): string {
  return [
    ...chunked(deletions.map(q), "rm -f --", " 2>/dev/null || true"),
    ...emptiedDirs.map((dir) => `rmdir -- ${q(dir)} 2>/dev/null || true`),
  ].join("\n");
}

export function posixDeletionCommand(workdir: string, script: string): string {
  return `cd ${q(workdir)} 2>/dev/null || exit 0\n${script}`;
}

/**
 * Deletions (inline when small), then `tar -x` of the stream on stdin (its last entry is the new
 * state file), then the atomic rename that marks the sync complete. A stream cut short fails
 * `tar`, so the old state stays and the next attempt resends whatever may be partial.
 */
export function posixApplyCommand(workdir: string, inlineDeletionScript: string): string {
  return [
    "set -e",
    `mkdir -p ${q(workdir)}`,
    `cd ${q(workdir)}`,
    inlineDeletionScript,
    `mkdir -p ${STATE_DIR}`,
    `rm -f ${CLEAN_MARKER}`,
    `rm -rf ${INCOMING_DIR}`,
    "tar -xof -",
    `mv -f ${INCOMING_STATE} ${STATE_FILE}`,
    `rmdir ${INCOMING_DIR} 2>/dev/null || true`,
    // after the rename, so that the marker is never older than the state it vouches for
    `: > ${CLEAN_MARKER}`,
  ]
    .filter((line) => line !== "")
    .join("\n");
}
