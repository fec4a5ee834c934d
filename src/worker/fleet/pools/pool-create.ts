import { newLeaseId } from "../../../domain/ids";
import { fingerprint } from "../../../events/fingerprint";
import type { PoolCommand } from "../../../events/pool-decider";
import { poolDecider, poolStream } from "../../../events/pool-decider";
import type { Provider, ProvisionedMachine } from "../../../providers/provider";
import { sleep } from "../../../time/sleep";
import { withDeadline } from "../deadline";
import { type FleetDeps, safeProviderMessage, systemMeta } from "../deps";
import { hourlyPrice } from "../leases/prices";
import { machineData } from "../machines/machine-spec";
import type { PoolSetting } from "./pool-settings";
import { poolAgentSpec, poolMachineSpec, poolServerType, throwAwayPublicKey } from "./pool-spec";

/** How often a booting pool machine's readiness is asked for. */
const readyPollMs = 250;

/** Decides one command on a pool machine's stream; a stream that moved on keeps its story. */
export function executePoolCommand(deps: FleetDeps, id: string, command: PoolCommand, requestId: string) {
  try {
    return deps.store.execute({
      stream: poolStream(id),
      decider: poolDecider,
      command,
      now: deps.now(),
      meta: systemMeta(requestId),
    });
  } catch (error) {
    console.warn(`fleet pool: could not record ${command.type} for ${id}: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * Logs the intent (`PoolMachineRequested`, under a dedupe key like every create) and returns
 * the new pool machine's id; the create itself is `provisionPoolMachine`.
 */
export async function requestPoolMachine(deps: FleetDeps, pool: PoolSetting, requestId: string) {
  const id = newLeaseId();
  const data = {
    poolMachineID: id,
    provider: pool.provider,
    class: pool.class,
    ...(pool.region ? { region: pool.region } : {}),
    serverType: poolServerType(pool),
    provisioningDeadlineAt:
      deps.now() + deps.settings.providerCreateTimeoutMs + deps.settings.reconcileGraceMs,
  };
  deps.store.execute({
    stream: poolStream(id),
    decider: poolDecider,
    command: { type: "RequestPoolMachine", data },
    now: deps.now(),
    meta: systemMeta(requestId),
    dedupeKey: `pool-create:${id}`,
    fingerprint: await fingerprint(data),
  });
  return id;
}

/**
 * Creates the machine with a throw-away key, waits for the provider's readiness signal, and
 * records `PoolMachineReady` — or `PoolMachineFailed`. A timed-out create is left to the
 * alarm's reconcile at the provisioning deadline (`pool-keeper.ts`).
 */
export async function provisionPoolMachine(
  deps: FleetDeps,
  id: string,
  pool: PoolSetting,
  provider: Provider,
  requestId: string,
): Promise<void> {
  let machine: ProvisionedMachine;
  try {
    const key = await throwAwayPublicKey();
    const spec = poolMachineSpec(id, pool, key, deps.now());
    const agent = await poolAgentSpec(pool, deps.env, id);
    if (agent) spec.poolAgent = agent;
    machine = await withDeadline(
      `provider ${provider.name} create`,
      deps.settings.providerCreateTimeoutMs,
      async (signal) => {
        const created = await provider.create(spec, signal);
        const target = {
          cloudID: created.cloudID,
          leaseID: id,
          ...(created.region ? { region: created.region } : {}),
          ...(created.host ? { host: created.host } : {}),
        };
        // Ready means ready: the provider's own signal that bootstrap finished (docs/providers.md#ready-pools).
        while (provider.isReady && !(await provider.isReady(target))) await sleep(readyPollMs, signal);
        return created;
      },
    );
  } catch (error) {
    if ((error as { code?: unknown }).code === "timeout") return;
    const { code, message } = safeProviderMessage(error, `provider ${provider.name} create`);
    executePoolCommand(deps, id, { type: "RecordPoolMachineFailed", code, message }, requestId);
    return;
  }
  const hourly = await hourlyPrice(deps, provider, machine.serverType, machine.region);
  executePoolCommand(
    deps,
    id,
    {
      type: "RecordPoolMachineReady",
      machine: machineData(machine, hourly, Math.ceil(pool.maxReadyAgeMs / 1000)),
    },
    requestId,
  );
}
