/**
 * A lease held across several runs (`crabbox job` with a setup, `crabbox watch`): leased (or
 * looked up with `--id`) once, heartbeated while held, each run reusing it through the run
 * flow's `--id` path, and released at the end on every path the caller takes.
 */
import type { ResolvedConfig } from "../config";
import type { Progress } from "../output/progress";
import { releaseLease } from "../run/lease";
import { type ActiveTarget, acquire } from "../target";

type Env = Record<string, string | undefined>;

export interface HeldLease {
  /** What `runFlow`'s `id` takes: the lease ID (or the static host's ID). */
  id: string;
  slug: string;
  /** True when this command created the lease. */
  created: boolean;
  /**
   * Ends the hold. `release: true` gives the lease back (deleting its machine), also one that
   * was passed with `--id`; `false` keeps it. Never throws; a failed release is warned about.
   */
  end(release: boolean): Promise<void>;
}

export async function holdLease(input: {
  config: ResolvedConfig;
  env: Env;
  signal: AbortSignal;
  progress: Progress;
  id?: string;
}): Promise<HeldLease> {
  const target: ActiveTarget = await acquire({
    config: input.config,
    env: input.env,
    signal: input.signal,
    progress: input.progress,
    ...(input.id ? { id: input.id } : {}),
    keep: false,
  });
  const { connection } = target;
  let ended = false;
  return {
    id: connection.leaseID,
    slug: connection.slug,
    created: target.acquired,
    async end(release) {
      if (ended) return;
      ended = true;
      await target.finish(!release);
      // A reused lease is never released by `finish`; a policy that says so releases it here.
      if (release && !target.acquired && target.client) {
        await releaseLease({
          client: target.client,
          env: input.env,
          leaseID: connection.leaseID,
          progress: input.progress,
        });
      }
    },
  };
}
