/**
 * Guards that stop a sync before it does damage or wastes time: a candidate far larger than a
 * source tree should be (a forgotten build directory, a checked-in dataset), and a sync that
 * would delete most of what is on the machine (wrong directory, sparse checkout, broken index).
 */
import { CrabboxError } from "../../errors";

export const DEFAULT_MAX_FILES = 100_000;
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024 * 1024;
export const DEFAULT_MASS_DELETE_THRESHOLD = 200;
/** Below this many files on the machine the ratio rule does not apply: small repos churn. */
const RATIO_RULE_MIN_FILES = 10;

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The directories (up to two levels) that hold the most bytes: where an exclude would help. */
export function heaviestDirectories(paths: readonly { path: string; size: number }[], limit = 5): string[] {
  const totals = new Map<string, { bytes: number; files: number }>();
  for (const { path, size } of paths) {
    const segments = path.split("/");
    const dir =
      segments.length > 2 ? segments.slice(0, 2).join("/") : segments.length === 2 ? segments[0] : ".";
    const total = totals.get(dir as string) ?? { bytes: 0, files: 0 };
    total.bytes += size;
    total.files += 1;
    totals.set(dir as string, total);
  }
  return [...totals.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes || b[1].files - a[1].files)
    .slice(0, limit)
    .map(([dir, total]) => `${dir} (${total.files} files, ${formatBytes(total.bytes)})`);
}

export interface SizeGuardInput {
  files: number;
  bytes: number;
  /** Every candidate with its size, or a function giving them: only needed when a guard fails. */
  paths: readonly { path: string; size: number }[] | (() => readonly { path: string; size: number }[]);
}

export interface SizeGuardLimits {
  maxFiles: number;
  maxBytes: number;
  allowLarge: boolean;
}

export function checkSizeGuards(input: SizeGuardInput, limits: SizeGuardLimits): void {
  if (limits.allowLarge) return;
  const tooManyFiles = limits.maxFiles > 0 && input.files > limits.maxFiles;
  const tooManyBytes = limits.maxBytes > 0 && input.bytes > limits.maxBytes;
  if (!tooManyFiles && !tooManyBytes) return;
  const limit = tooManyFiles ? `${limits.maxFiles} files` : formatBytes(limits.maxBytes);
  throw new CrabboxError(
    "sync_failed",
    `sync candidate too large: ${input.files} files, ${formatBytes(input.bytes)} (limit ${limit}). ` +
      `Largest directories: ${heaviestDirectories(typeof input.paths === "function" ? input.paths() : input.paths).join(", ")}. ` +
      "Exclude them with sync.exclude in crabbox.yaml or a .crabboxignore line, or pass --force-sync-large " +
      "(CRABBOX_SYNC_ALLOW_LARGE=1) if the size is intended",
    { files: input.files, bytes: input.bytes, hint: "add excludes or pass --force-sync-large" },
  );
}

export interface DeletionGuardInput {
  deletions: readonly string[];
  remoteFiles: number;
}

export interface DeletionGuardOptions {
  allowMassDelete: boolean;
  threshold?: number;
}

/** True when a sync would delete at least `threshold` files, or more than half of a non-trivial tree. */
export function isMassDeletion(
  input: DeletionGuardInput,
  threshold = DEFAULT_MASS_DELETE_THRESHOLD,
): boolean {
  const count = input.deletions.length;
  if (count === 0) return false;
  if (threshold > 0 && count >= threshold) return true;
  return input.remoteFiles >= RATIO_RULE_MIN_FILES && count * 2 > input.remoteFiles;
}

export function checkDeletionGuard(input: DeletionGuardInput, options: DeletionGuardOptions): void {
  if (options.allowMassDelete || !isMassDeletion(input, options.threshold)) return;
  const sample = input.deletions.slice(0, 10);
  throw new CrabboxError(
    "sync_failed",
    `sync would delete ${input.deletions.length} of ${input.remoteFiles} files on the machine ` +
      `(e.g. ${sample.join(", ")}); nothing was changed. If that is intended (a branch switch, a big ` +
      "cleanup), pass --allow-mass-deletions (CRABBOX_ALLOW_MASS_DELETIONS=1)",
    {
      deletions: input.deletions.length,
      remoteFiles: input.remoteFiles,
      sample,
      hint: "pass --allow-mass-deletions",
    },
  );
}
