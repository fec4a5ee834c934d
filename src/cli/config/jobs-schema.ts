import { z } from "zod";

/**
 * `jobs:` in `.crabbox.yaml` (docs/cli.md "Jobs"): named runs with their own machine, env
 * names, setup, command, evidence and keep policy, run with `crabbox job <name>`. Strict like
 * the rest of the file, so a misspelt field is an error naming the job and the field.
 */

const durationText = z.union([z.string(), z.number()]).transform(String);
const stringList = z.array(z.string());
/** A shell script (one string) or an argv (a list, run without a shell). */
const commandText = z.union([z.string().min(1, "must not be empty"), stringList.min(1, "must not be empty")]);

/** When the job's lease is released after the job (the reference's `stop` policy). */
export const jobStopPolicies = ["auto", "always", "success", "failure", "never"] as const;
export type JobStopPolicy = (typeof jobStopPolicies)[number];

export const jobSchema = z
  .object({
    description: z.string(),
    provider: z.string(),
    target: z.string(),
    class: z.string(),
    /** Exact server type, as `--type`. */
    type: z.string(),
    ttl: durationText,
    idleTimeout: durationText,
    /** Variable names and `PREFIX_*` patterns forwarded, added to the config's `env.allow`. */
    env: z.object({ allow: stringList }).partial().strict(),
    /** Runs first on the same lease, after the sync; a failing setup skips the command. */
    setup: commandText,
    command: commandText,
    artifactGlobs: stringList,
    requiredArtifacts: stringList,
    junit: stringList,
    resultsAuto: z.boolean(),
    failOnTestFailures: z.boolean(),
    stop: z.enum(jobStopPolicies),
  })
  .partial()
  .required({ command: true })
  .strict();

export type JobSpec = z.infer<typeof jobSchema>;

/** Job names are words a shell passes unquoted: `crabbox job unit-tests`. */
export const jobName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "job names are letters, digits, _ . - (at most 64)");

export const jobsSchema = z.record(jobName, jobSchema);
