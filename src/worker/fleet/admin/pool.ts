import { type PoolMachine, PoolQuery, type PoolResponse } from "../../../api/admin";
import { CrabboxError } from "../../../errors";
import { type ProviderName, providerNames } from "../../../providers/provider";
import { withDeadline } from "../deadline";
import type { FleetDeps } from "../deps";
import { readyPools } from "../pools/pool-summary";
import type { Caller } from "../rpc";
import type { UseCaseDeps } from "../use-case-deps";
import { requireAdmin } from "./gate";

/** `GET /v1/pool` (admin): the crabbox-labelled machines the providers can see, and the ready pools. */
/** @public The use case's input schema, as every use case names it (docs/design.md). */
export const input = PoolQuery;

export async function handle(deps: UseCaseDeps, caller: Caller, query: PoolQuery): Promise<PoolResponse> {
  requireAdmin(caller.identity);
  const names: ProviderName[] = query.provider ? [query.provider] : [...providerNames];
  const machines: PoolMachine[] = [];
  for (const name of names) {
    let provider: ReturnType<FleetDeps["provider"]>;
    try {
      provider = deps.provider(name);
    } catch (error) {
      // Without an explicit provider, the pool lists what is configured and skips the rest.
      if (query.provider) throw error;
      continue;
    }
    try {
      const listed = await withDeadline(`provider ${name} list`, deps.settings.providerCallTimeoutMs, () =>
        provider.list(),
      );
      for (const m of listed) {
        machines.push({
          provider: m.provider,
          id: m.cloudID,
          cloudID: m.cloudID,
          name: m.name,
          status: m.status,
          serverType: m.serverType,
          labels: m.labels,
          ...(m.region ? { region: m.region } : {}),
          ...(m.host ? { host: m.host } : {}),
        });
      }
    } catch (error) {
      if (query.provider) {
        if ((error as { code?: unknown }).code === "timeout") throw error;
        throw new CrabboxError("provider_error", `provider ${name} inventory failed`, { provider: name });
      }
    }
  }
  // A pool configured since the alarm was last armed (a new deployment) starts filling now.
  await deps.scheduler.schedule();
  const { error } = deps.settings.pools;
  return { machines, pools: readyPools(deps), ...(error ? { poolConfigError: error } : {}) };
}
