import { artifactStep, localRunId, wantsArtifacts } from "./artifacts-step";
import type { RunContext, RunOutcome } from "./flow-types";
import { collectJUnit } from "./results";
import { resultsAuto } from "./results-auto";
import { testGate } from "./test-gate";

/**
 * Collect: after a command that was not interrupted, downloads the artifacts and reads the
 * JUnit reports. Either may turn an exit 0 into a failure (a missing required artifact,
 * `--fail-on-test-failures`); the first reason found becomes the run's verdict.
 */
export async function collectPhase(
  ctx: RunContext,
  outcome: RunOutcome,
  commandEnded: number,
): Promise<void> {
  const { io, options, target, recorder, workdir } = ctx;
  const { progress } = io;
  const os = target.connection.target === "windows" ? "windows" : "posix";
  if (!outcome.interrupted && wantsArtifacts(options.artifacts)) {
    const got = await artifactStep({
      session: target.session,
      os,
      workdir,
      options: options.artifacts,
      runID: localRunId(recorder),
      cwd: io.cwd,
      repoRoot: io.repoRoot,
      progress,
      recorder,
    });
    outcome.artifacts = got.entries;
    if (got.failure && outcome.exitCode === 0) {
      outcome.exitCode = got.failure.exitCode;
      outcome.verdict = got.failure.message;
    }
  }
  if (!outcome.interrupted) {
    try {
      outcome.results = await collectJUnit(target.session, workdir, options.junit, {
        auto: resultsAuto(ctx),
        warn: (m) => progress.warn(m),
        os,
      });
      const results = outcome.results;
      if (results) {
        progress.info(
          `test results files=${results.files.length} tests=${results.tests} failures=${results.failures} errors=${results.errors} skipped=${results.skipped}`,
        );
      }
    } catch (error) {
      progress.warn(`could not read test results: ${(error as Error).message}`);
    }
    const gate = testGate(outcome.results, outcome.exitCode, options.failOnTestFailures ?? false);
    if (gate) {
      outcome.exitCode = gate.exitCode;
      outcome.verdict ??= gate.message;
    }
  }
  outcome.phases.collect = Date.now() - commandEnded;
}
