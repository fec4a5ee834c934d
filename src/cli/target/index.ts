/**
 * Getting a machine for a command: one `acquire()` over three sources, each in its own
 * module behind the same `ActiveTarget` (docs/cli.md, "Targets"). Callers (run, ssh, cp,
 * warmup) never branch on where the machine came from.
 */
import { acquireBrokered } from "./brokered";
import { targetSource } from "./source";
import { acquireStaticHost } from "./static-host";
import type { AcquireOptions, AcquireStrategy, ActiveTarget, TargetSource } from "./types";

export type { AcquireOptions, ActiveTarget, TargetSource } from "./types";

const strategies: Record<TargetSource, AcquireStrategy> = {
  static: acquireStaticHost,
  // Direct mode's graph (the cloud providers' SDKs) loads only when a command uses it
  // (docs/cli.md, "Start-up").
  direct: async (options) => (await import("./direct-cloud")).acquireDirect(options),
  brokered: acquireBrokered,
};

/**
 * Leases (or reuses) a machine from the source the config names and waits until it is
 * ready over SSH. A failure after a lease was chosen releases it before the error leaves:
 * no path leaks a lease. `using` replaces the strategies (tests observe the choice).
 */
export async function acquire(
  options: AcquireOptions,
  using: Record<TargetSource, AcquireStrategy> = strategies,
): Promise<ActiveTarget> {
  return using[targetSource(options.config)](options);
}
