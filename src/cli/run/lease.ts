import type { LeaseRecord, LeaseRequestInput } from "../../api";
import type { CoordinatorClient } from "../../client/client";
import { newLeaseId, providerKeyForLease, slugForLeaseId } from "../../domain/ids";
import { CrabboxError, isCrabboxError } from "../../errors";
import { sleep } from "../../time/sleep";
import { formatDuration, type ResolvedConfig } from "../config";
import { deleteLeaseKey, ensureLeaseKey } from "../keys/store";
import type { Progress } from "../output/progress";

type Env = Record<string, string | undefined>;

/** The ID is chosen before the first request so that every retry names the same lease. */
export interface PendingLease {
  leaseID: string;
  slug: string;
}

export function newPendingLease(): PendingLease {
  const leaseID = newLeaseId();
  return { leaseID, slug: slugForLeaseId(leaseID) };
}

const defaultCapacity = { market: "spot", strategy: "most-available", fallback: "on-demand-after-120s" };

/** The create body; only non-default capacity keys are sent, as the reference does. */
export function leaseRequest(
  config: ResolvedConfig,
  pending: PendingLease,
  publicKey: string,
  keep: boolean,
): LeaseRequestInput {
  const capacity: Record<string, unknown> = {};
  if (config.capacity.market !== defaultCapacity.market) capacity.market = config.capacity.market;
  if (config.capacity.strategy !== defaultCapacity.strategy) capacity.strategy = config.capacity.strategy;
  if (config.capacity.fallback !== defaultCapacity.fallback) capacity.fallback = config.capacity.fallback;
  if (config.capacity.regions.length) capacity.regions = config.capacity.regions;
  if (config.capacity.availabilityZones.length)
    capacity.availabilityZones = config.capacity.availabilityZones;
  if (!config.capacity.hints) capacity.hints = false;
  const provider = config.providerExplicit ? config.provider : config.broker.provider || undefined;
  return {
    leaseID: pending.leaseID,
    slug: pending.slug,
    ...(provider ? { provider: provider as LeaseRequestInput["provider"] } : {}),
    profile: config.profile,
    class: config.class,
    ...(config.serverType
      ? { serverType: config.serverType, serverTypeExplicit: config.serverTypeExplicit }
      : {}),
    target: config.target,
    ...(config.target === "windows" ? { windowsMode: config.windowsMode } : {}),
    keep,
    ttlSeconds: Math.round(config.ttlMs / 1000),
    idleTimeoutSeconds: Math.round(config.idleTimeoutMs / 1000),
    providerKey: providerKeyForLease(pending.leaseID),
    ...(Object.keys(capacity).length ? { capacity } : {}),
    sshPublicKey: publicKey,
  };
}

/**
 * Creates the lease and waits until the coordinator reports it active. A create that
 * timed out is retried with the same ID (the coordinator dedupes on it, so no second
 * machine); a 202 `provisioning` answer is polled. The caller owns releasing
 * `pending.leaseID` on every path, including this function throwing.
 */
export async function createLease(options: {
  client: CoordinatorClient;
  config: ResolvedConfig;
  env: Env;
  pending: PendingLease;
  keep: boolean;
  signal: AbortSignal;
  progress: Progress;
  timeoutMs?: number;
  pollIntervalMs?: number;
}): Promise<LeaseRecord> {
  const { client, config, pending, signal, progress } = options;
  const key = ensureLeaseKey(options.env, pending.leaseID);
  progress.phase(
    "leasing",
    `${pending.slug} provider=${config.providerExplicit ? config.provider : config.broker.provider || "default"} class=${config.class}`,
  );
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 20 * 60_000);
  let lease = await client.createLease(leaseRequest(config, pending, key.publicKey, options.keep), signal);
  while (lease.state === "provisioning") {
    if (Date.now() > deadline) {
      throw new CrabboxError(
        "timeout",
        `lease ${lease.id} still provisioning after ${formatDuration(Date.now() - started)}`,
      );
    }
    progress.phase("provisioning", `${lease.slug} ${formatDuration(Date.now() - started)}`);
    await sleep(options.pollIntervalMs ?? 2000, signal);
    lease = await client.getLease(lease.id, signal);
  }
  if (lease.state !== "active") {
    throw new CrabboxError(
      "capacity_unavailable",
      `lease ${lease.id} ${lease.state}${lease.failureMessage ? `: ${lease.failureMessage}` : ""}`,
    );
  }
  return lease;
}

/**
 * Releases a lease this command created, deleting its machine, then forgets the key.
 * "Not found" counts as released (a create that never reached the coordinator).
 */
export async function releaseLease(options: {
  client: CoordinatorClient;
  env: Env;
  leaseID: string;
  progress: Progress;
}): Promise<void> {
  const { client, leaseID, progress } = options;
  progress.phase("releasing", leaseID);
  try {
    await client.releaseLease(leaseID, { delete: true });
    progress.info(`released ${leaseID}`);
  } catch (error) {
    if (isCrabboxError(error) && error.code === "not_found") {
      progress.info(`released ${leaseID} (the coordinator never recorded it)`);
    } else {
      progress.warn(
        `could not release ${leaseID}: ${(error as Error).message}; it expires by its idle timeout, or run \`crabbox stop ${leaseID}\``,
      );
      return;
    }
  }
  deleteLeaseKey(options.env, leaseID);
}
