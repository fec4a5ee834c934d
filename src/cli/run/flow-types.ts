import type { Writable } from "node:stream";
import type { ArtifactEntry, RunShard, TelemetryInput, TestResultSummary } from "../../api";
import type { ResolvedConfig } from "../config";
import type { Progress } from "../output/progress";
import type { TimingPhases } from "../output/timing";
import type { LocalGitState } from "../sync/git/local-repo";
import type { ActiveTarget } from "../target";
import type { ArtifactOptions } from "./artifacts-step";
import type { PhaseClock } from "./phase-clock";
import type { RunRecorder } from "./recorder";

type Env = Record<string, string | undefined>;

/** What to run and how: `crabbox run`'s flags (docs/cli.md). */
export interface RunOptions {
  argv: string[];
  shell: boolean;
  keep: boolean;
  id?: string;
  noSync: boolean;
  syncOnly: boolean;
  junit: string[];
  /** true: one JSON line on stderr; a path: written to that file. */
  timingJson?: boolean | string;
  forceSyncLarge: boolean;
  allowMassDeletions: boolean;
  artifacts?: ArtifactOptions;
  /** `--fail-on-test-failures`: failing reports fail a command that exited 0 (docs/cli.md). */
  failOnTestFailures?: boolean;
  /** `--results-auto`: also read the reports the command wrote in the usual places (results-auto.ts). */
  resultsAuto?: boolean;
  /** This run is one shard of `crabbox shard`: its run record names the group (src/cli/shard). */
  shard?: RunShard;
  /** Told at the end on every path, after the release: the lease and run record it used, as far as it got. */
  onReleased?: (facts: RunFacts) => void;
}

/** Which lease and run record a run used, for callers that report many runs (`crabbox shard --json`). */
export interface RunFacts {
  leaseId?: string;
  slug?: string;
  runId?: string;
}

/** Where a run happens and where its output goes: the caller's environment, not the run's. */
export interface RunIO {
  config: ResolvedConfig;
  env: Env;
  cwd: string;
  repoRoot: string;
  signal: AbortSignal;
  stdout: Writable;
  stderr: Writable;
  progress: Progress;
  /** How long loading the configuration took before the flow started. */
  configMs?: number;
}

/** What every phase after acquiring reads: one run on one ready machine. */
export interface RunContext {
  /** The caller's IO, with `progress` watched by `clock`. */
  io: RunIO;
  options: RunOptions;
  target: ActiveTarget;
  recorder: RunRecorder;
  clock: PhaseClock;
  /** The checkout's directory on the machine. */
  workdir: string;
  /** The local repository's state for the git-aware sync, read while the lease was found. */
  localGit: Promise<LocalGitState | undefined>;
}

/**
 * What the run has produced so far. Phases fill it in order; the release, the run record and
 * the report read it, so a run that fails half-way still records what it measured.
 */
export interface RunOutcome {
  exitCode: number;
  /** Ctrl-C (or the caller's signal) stopped the run. */
  interrupted: boolean;
  syncMs: number;
  commandMs: number;
  syncSkipped: boolean;
  /** The sync mode (git or directory) for the summary line; "none" with --no-sync. */
  syncMode: string;
  syncPhases?: { name: string; ms: number }[];
  results?: TestResultSummary;
  artifacts: ArtifactEntry[];
  /** Why the run failed although the command exited 0 (artifacts, tests), printed instead of its status. */
  verdict?: string;
  telemetry: { start?: TelemetryInput; end?: TelemetryInput };
  phases: TimingPhases;
}

export function newOutcome(configMs = 0): RunOutcome {
  return {
    exitCode: 1,
    interrupted: false,
    syncMs: 0,
    commandMs: 0,
    syncSkipped: false,
    syncMode: "none",
    artifacts: [],
    telemetry: {},
    phases: {
      config: configMs,
      manifest: 0,
      lease: 0,
      ready: 0,
      sync: 0,
      command: 0,
      collect: 0,
      release: 0,
    },
  };
}
