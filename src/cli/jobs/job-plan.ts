/**
 * A `.crabbox.yaml` job as what the run flow takes (docs/cli.md "Jobs"): the machine fields
 * become a config layer under the command-line flags, the rest run options. Pure.
 */
import { CrabboxError } from "../../errors";
import type { ConfigLayer, ResolvedConfig } from "../config";
import type { JobSpec, JobStopPolicy } from "../config/jobs-schema";

export interface JobStep {
  argv: string[];
  /** A string in the config runs as a shell script; a list runs as an argv. */
  shell: boolean;
}

export interface JobPlan {
  name: string;
  layer: ConfigLayer;
  setup?: JobStep;
  command: JobStep;
  junit: string[];
  resultsAuto: boolean;
  failOnTestFailures: boolean;
  artifact: string[];
  requireArtifact: string[];
  stop: JobStopPolicy;
}

function step(value: string | string[]): JobStep {
  return typeof value === "string" ? { argv: [value], shell: true } : { argv: value, shell: false };
}

/** The configured job, or a usage error listing the ones there are. */
export function findJob(config: Pick<ResolvedConfig, "jobs">, name: string): JobSpec {
  const job = Object.hasOwn(config.jobs, name) ? config.jobs[name] : undefined;
  if (job) return job;
  const known = Object.keys(config.jobs).sort();
  throw new CrabboxError(
    "usage",
    known.length
      ? `job "${name}" is not configured; configured jobs: ${known.join(", ")} (crabbox job --list)`
      : `job "${name}" is not configured: no jobs in the config files; add a jobs: section to .crabbox.yaml (docs/cli.md "Jobs")`,
    { field: "job" },
  );
}

export function planJob(name: string, job: JobSpec, baseAllow: readonly string[]): JobPlan {
  const layer: ConfigLayer = {};
  if (job.provider !== undefined) layer.provider = job.provider;
  if (job.target !== undefined) layer.target = job.target;
  if (job.class !== undefined) layer.class = job.class;
  if (job.type !== undefined) layer.serverType = job.type;
  if (job.ttl !== undefined) layer.ttl = job.ttl;
  if (job.idleTimeout !== undefined) layer.idleTimeout = job.idleTimeout;
  if (job.env?.allow?.length) layer.env = { allow: [...new Set([...baseAllow, ...job.env.allow])] };
  for (const pattern of job.env?.allow ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(pattern))
      throw new CrabboxError(
        "config",
        `jobs.${name}.env.allow: "${pattern}" must be a variable name or a PREFIX_* pattern`,
        { field: `jobs.${name}.env.allow` },
      );
  }
  return {
    name,
    layer,
    ...(job.setup !== undefined ? { setup: step(job.setup) } : {}),
    command: step(job.command),
    junit: job.junit ?? [],
    resultsAuto: job.resultsAuto ?? false,
    failOnTestFailures: job.failOnTestFailures ?? false,
    artifact: job.artifactGlobs ?? [],
    requireArtifact: job.requiredArtifacts ?? [],
    stop: job.stop ?? "auto",
  };
}

/**
 * A config error about a field the job set (and no flag overrode) names the job: `jobs.unit.ttl:
 * …` instead of `ttl: …`, so the user edits the right place. Other errors pass through.
 */
export function blameJob(error: unknown, plan: JobPlan, flags: ConfigLayer): unknown {
  if (!(error instanceof CrabboxError) || error.code !== "config") return error;
  const field = String(error.details?.field ?? "");
  const top = field.split(".")[0] ?? "";
  if (!top || !(top in plan.layer) || top in flags) return error;
  const jobField = top === "serverType" ? "type" : field;
  const message = error.message.startsWith(`${field}:`)
    ? error.message.slice(field.length + 1)
    : ` ${error.message}`;
  return new CrabboxError("config", `jobs.${plan.name}.${jobField}:${message}`, {
    ...error.details,
    field: `jobs.${plan.name}.${jobField}`,
  });
}
