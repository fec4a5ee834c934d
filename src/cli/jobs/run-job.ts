/**
 * `crabbox job <name>` (docs/cli.md "Jobs"): one lease held for the job, the setup (if any)
 * run on it with the sync, then the command without a second sync, each through the run
 * flow's `--id` path with its own run record; the lease released as the job's `stop` policy
 * says, on every path including a failure and Ctrl-C.
 */

import { holdLease } from "../held/held-lease";
import { type ArtifactOptions, wantsArtifacts } from "../run/artifacts-step";
import { type RunIO, type RunOptions, runFlow } from "../run/flow";
import { prepareManifest } from "../run/phase-sync";
import type { JobPlan } from "./job-plan";
import { releasesLease } from "./stop-policy";

export async function runJob(
  io: RunIO,
  plan: JobPlan,
  options: { id?: string; artifacts: ArtifactOptions },
): Promise<number> {
  // A repository that cannot sync fails before anything is leased, as `run` does.
  await prepareManifest(io, { forceSyncLarge: false });
  const held = await holdLease({ ...io, ...(options.id ? { id: options.id } : {}) });
  io.stderr.write(`job ${plan.name}: lease ${held.slug}${plan.setup ? " (setup, then the command)" : ""}\n`);
  const base: Omit<RunOptions, "argv" | "shell"> = {
    keep: true,
    id: held.id,
    noSync: false,
    syncOnly: false,
    junit: [],
    forceSyncLarge: false,
    allowMassDeletions: false,
  };
  let succeeded = false;
  try {
    if (plan.setup) {
      const code = await runFlow(io, { ...base, ...plan.setup });
      if (code !== 0) {
        io.stderr.write(`crabbox: job ${plan.name}: setup exited ${code}; the command did not run\n`);
        return code;
      }
    }
    const code = await runFlow(io, {
      ...base,
      ...plan.command,
      // The setup synced the checkout; a second sync could undo what the setup built.
      noSync: Boolean(plan.setup),
      junit: plan.junit,
      resultsAuto: plan.resultsAuto,
      failOnTestFailures: plan.failOnTestFailures,
      ...(wantsArtifacts(options.artifacts) ? { artifacts: options.artifacts } : {}),
    });
    succeeded = code === 0;
    return code;
  } finally {
    const release = releasesLease(plan.stop, { created: held.created, succeeded });
    await held.end(release);
    if (!release)
      io.stderr.write(
        `job ${plan.name}: kept lease ${held.slug} (stop: ${plan.stop}); reuse it with \`crabbox job ${plan.name} --id ${held.slug}\`, release it with \`crabbox stop ${held.slug}\`\n`,
      );
  }
}
