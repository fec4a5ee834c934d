/**
 * `run --fail-on-test-failures` (config `results.failOnFailures`): a command that exited 0
 * whose JUnit reports hold failures or errors fails the run with exit 1. A failing command
 * keeps its own status, and without the flag results never change the exit code
 * (docs/cli.md "Test results").
 */
import type { TestResultSummary } from "../../api";

export function testGate(
  results: TestResultSummary | undefined,
  exitCode: number,
  enabled: boolean,
): { exitCode: number; message: string } | undefined {
  if (!enabled || exitCode !== 0 || !results) return undefined;
  if (results.failures + results.errors === 0) return undefined;
  return {
    exitCode: 1,
    message: `test reports hold ${results.failures} failures and ${results.errors} errors (--fail-on-test-failures); the command exited 0`,
  };
}
