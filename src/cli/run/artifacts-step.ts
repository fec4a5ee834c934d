/**
 * The artifact step of `crabbox run` (docs/cli.md "Artifacts"): after the command, whatever
 * its exit status, copy the matches into `.crabbox/artifacts/<run-id>/` (or `--artifact-dir`),
 * tell the run record, and turn a missing `--require-artifact` into its own failure.
 */
import { randomBytes } from "node:crypto";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { ArtifactEntry } from "../../domain/artifacts";
import { CrabboxError, isCrabboxError } from "../../errors";
import type { ResolvedConfig } from "../config";
import { humanBytes, type Progress } from "../output/progress";
import type { SshSession } from "../ssh/connect";
import { normaliseArtifactGlob } from "./artifact-globs";
import { collectArtifacts } from "./artifacts";
import type { RunRecorder } from "./recorder";

export interface ArtifactOptions {
  globs: string[];
  required: string[];
  /** `--artifact-dir`, relative to the current directory; default `<repo>/.crabbox/artifacts/<run-id>`. */
  dir?: string;
}

/** Flags and config merged and validated before anything is leased. */
export function artifactOptions(
  config: ResolvedConfig,
  flags: { artifact: string[]; requireArtifact: string[]; artifactDir?: string },
): ArtifactOptions {
  const globs = [...config.artifacts.globs, ...flags.artifact].map((g) =>
    normaliseArtifactGlob("--artifact", g),
  );
  const required = [...config.artifacts.required, ...flags.requireArtifact].map((g) =>
    normaliseArtifactGlob("--require-artifact", g),
  );
  const dir = flags.artifactDir ?? (config.artifacts.dir || undefined);
  return { globs: [...new Set(globs)], required: [...new Set(required)], ...(dir ? { dir } : {}) };
}

export function wantsArtifacts(options: ArtifactOptions | undefined): options is ArtifactOptions {
  return Boolean(options && (options.globs.length || options.required.length));
}

/** The run record's ID, or one made up here when nothing records the run (static hosts). */
export function localRunId(recorder: RunRecorder): string {
  return recorder.runID || `run_${randomBytes(6).toString("hex")}`;
}

export interface ArtifactStepResult {
  entries: ArtifactEntry[];
  /** The run's exit status when the command exited 0 but the artifacts failed it. */
  failure?: { exitCode: number; message: string };
}

export async function artifactStep(input: {
  session: SshSession;
  /** The machine's shell: POSIX sh, or PowerShell on native Windows. */
  os: "posix" | "windows";
  workdir: string;
  options: ArtifactOptions;
  runID: string;
  cwd: string;
  repoRoot: string;
  progress: Progress;
  recorder: RunRecorder;
}): Promise<ArtifactStepResult> {
  const { options, progress } = input;
  const dest = options.dir
    ? resolve(input.cwd, options.dir)
    : join(input.repoRoot, ".crabbox", "artifacts", input.runID);
  progress.phase("artifacts", options.globs.concat(options.required).join(" "));
  let got: Awaited<ReturnType<typeof collectArtifacts>>;
  try {
    got = await collectArtifacts(
      input.session,
      input.workdir,
      {
        globs: options.globs,
        required: options.required,
        dest,
      },
      input.os,
    );
  } catch (error) {
    const e = isCrabboxError(error) ? error : new CrabboxError("ssh_failed", (error as Error).message);
    progress.warn(`collect artifacts: ${e.message}`);
    input.recorder.event({ type: "artifacts.failed", phase: "artifacts", message: e.message });
    return { entries: [], failure: { exitCode: e.exitCode, message: `collect artifacts: ${e.message}` } };
  }
  const bytes = got.entries.reduce((sum, e) => sum + e.bytes, 0);
  const shown = relative(input.cwd, dest) || ".";
  const where = isAbsolute(shown) || shown.startsWith("..") ? dest : shown;
  progress.info(
    got.entries.length
      ? `artifacts: ${got.entries.length} files (${humanBytes(bytes)}) -> ${where}`
      : "artifacts: no file matched",
  );
  if (got.omitted > 0)
    progress.warn(
      `artifacts: ${got.omitted} more matches left on the machine (at most 256 files and 1 GiB per run); narrow the globs`,
    );
  if (got.listingTruncated)
    progress.warn(
      "artifacts: the file listing on the machine passed 8 MiB and was cut; narrow the globs (files past the cut were not considered)",
    );
  for (const glob of got.missing) progress.warn(`missing required artifact: ${glob}`);
  input.recorder.event({
    type: got.missing.length ? "artifacts.missing" : "artifacts.collected",
    phase: "artifacts",
    message: got.missing.length
      ? `missing required: ${got.missing.join(" ")}`
      : `${got.entries.length} files ${bytes} bytes`,
  });
  if (got.missing.length === 0) return { entries: got.entries };
  const code = new CrabboxError("artifact_missing", "").exitCode;
  return {
    entries: got.entries,
    failure: {
      exitCode: code,
      message: `required artifact missing: ${got.missing.join(" ")} (the command exited 0; exit ${code})`,
    },
  };
}
