/**
 * The one exit status of `crabbox shard` (docs/cli.md "Shards"), in the reference's order:
 * a shard that never ran its command (lease, sync or SSH failure) → 7; else failing commands →
 * their status when they all agree, otherwise 1; else an interrupted shard → 130; else
 * `--fail-on-test-failures` with failures or errors in the merged reports → 1; else 0. Pure.
 */
export type ShardOutcome =
  | { kind: "exited"; exitCode: number }
  | { kind: "interrupted" }
  | { kind: "infrastructure"; message: string };

export function shardExitCode(
  outcomes: readonly ShardOutcome[],
  merged: { failures: number; errors: number } | undefined,
  failOnTestFailures: boolean,
): number {
  let infrastructure = false;
  let interrupted = false;
  const failing = new Set<number>();
  for (const outcome of outcomes) {
    switch (outcome.kind) {
      case "infrastructure":
        infrastructure = true;
        break;
      case "interrupted":
        interrupted = true;
        break;
      case "exited":
        if (outcome.exitCode !== 0) failing.add(outcome.exitCode);
        break;
    }
  }
  if (infrastructure) return 7;
  if (failing.size) return failing.size === 1 ? [...failing][0]! : 1;
  if (interrupted) return 130;
  if (failOnTestFailures && merged && merged.failures + merged.errors > 0) return 1;
  return 0;
}
