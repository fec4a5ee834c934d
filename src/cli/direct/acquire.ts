/**
 * Direct mode: the CLI itself creates the machine with the caller's credentials, through the
 * same provider modules, labels and bootstrap as the coordinator. It records the lease
 * locally, keeps the machine's expiry labels fresh while it works, and deletes the machine
 * when done. Whatever fails after the lease ID is chosen deletes what was created.
 */
import { newLeaseId, providerKeyForLease, slugForLeaseId } from "../../domain/ids";
import { CrabboxError } from "../../errors";
import { crabboxLabels, sanitizeLabelValue } from "../../providers/labels";
import type { DeleteTarget, MachineSpec, Provider, ProvisionedMachine } from "../../providers/provider";
import { formatDuration, type ResolvedConfig } from "../config";
import { deleteLeaseKey, ensureLeaseKey } from "../keys/store";
import type { Progress } from "../output/progress";
import { heartbeatIntervalMs } from "../run/heartbeat";
import { holdTarget } from "../run/hold";
import type { AcquireOptions, ActiveTarget } from "../run/target";
import { directConnection } from "./connection";
import { startDirectHeartbeat } from "./heartbeat";
import { touchLabels } from "./labels";
import { directOwner } from "./owner";
import { directProvider } from "./providers";
import { type DirectLeaseRecord, findDirectRecord, removeDirectRecord, writeDirectRecord } from "./records";
import { sshCIDRsFor } from "./ssh-cidrs";

type Env = Record<string, string | undefined>;

export { usesDirectMode } from "./mode";

export function directSpec(
  config: ResolvedConfig,
  env: Env,
  lease: { leaseID: string; slug: string; publicKey: string; keep: boolean; nowMs: number },
  sshCIDRs?: string[],
): MachineSpec {
  const target = config.target === "windows" ? "windows" : "linux";
  if (config.target === "macos") {
    throw new CrabboxError("unsupported", "direct mode provisions linux and windows machines, not macos", {
      field: "target",
    });
  }
  const market = config.provider === "hetzner" ? undefined : config.capacity.market;
  const labels: Record<string, string> = {
    ...crabboxLabels({
      leaseID: lease.leaseID,
      slug: lease.slug,
      owner: directOwner(env),
      provider: config.provider,
      target,
      ...(target === "windows" ? { windowsMode: config.windowsMode } : {}),
      class: config.class,
      serverType: config.serverType || config.class,
      profile: config.profile,
      providerKey: providerKeyForLease(lease.leaseID),
      keep: lease.keep,
      ...(market ? { market } : {}),
      createdAt: lease.nowMs,
      ttlSeconds: Math.round(config.ttlMs / 1000),
      idleTimeoutSeconds: Math.round(config.idleTimeoutMs / 1000),
    }),
    // Marks the machine as this CLI's to clean up: a coordinator's machines never carry it.
    direct: "true",
  };
  return {
    leaseID: lease.leaseID,
    slug: lease.slug,
    owner: labels.owner!,
    org: "direct",
    target,
    ...(target === "windows" ? { windowsMode: "normal" as const } : {}),
    class: config.class,
    serverType: config.serverType || config.class,
    serverTypeExplicit: config.serverTypeExplicit,
    ...(config.capacity.regions[0] ? { region: config.capacity.regions[0] } : {}),
    market: config.capacity.market,
    sshPublicKey: lease.publicKey,
    sshUser: config.ssh.user,
    sshPort: config.ssh.port,
    sshFallbackPorts: config.ssh.fallbackPorts,
    workRoot: config.workRoot,
    ...(sshCIDRs ? { sshCIDRs } : {}),
    labels,
    createdAt: lease.nowMs,
  };
}

function recordFor(
  machine: ProvisionedMachine,
  spec: MachineSpec,
  keep: boolean,
  repoRoot: string | undefined,
): DirectLeaseRecord {
  return {
    leaseID: spec.leaseID,
    slug: spec.slug,
    provider: machine.provider,
    cloudID: machine.cloudID,
    name: machine.name,
    ...(machine.region ? { region: machine.region } : {}),
    serverType: machine.serverType,
    host: machine.host,
    sshUser: machine.sshUser,
    sshPort: machine.sshPort,
    sshFallbackPorts: machine.sshFallbackPorts,
    workRoot: machine.workRoot,
    target: spec.target,
    keep,
    // the type the ladder settled on, as the provider labelled the machine
    labels: { ...spec.labels, server_type: sanitizeLabelValue(machine.serverType) },
    createdAt: new Date(spec.createdAt).toISOString(),
    ...(repoRoot ? { repoRoot } : {}),
  };
}

/** Deletes every machine labelled with the lease (a create that was cut short may have made one). */
async function deleteLeaseMachines(provider: Provider, leaseID: string, known?: DeleteTarget): Promise<void> {
  const targets: DeleteTarget[] = known ? [known] : [];
  if (!known) {
    for (const machine of await provider.findByLease(leaseID)) {
      targets.push({
        cloudID: machine.cloudID,
        leaseID,
        ...(machine.region ? { region: machine.region } : {}),
      });
    }
  }
  for (const target of targets) await provider.delete(target);
}

export async function acquireDirectTarget(
  options: AcquireOptions & { repoRoot?: string },
): Promise<ActiveTarget> {
  const { config, env, signal, progress } = options;
  const provider = await directProvider(config.provider, env);
  const defaults = {
    ttlSeconds: Math.round(config.ttlMs / 1000),
    idleTimeoutSeconds: Math.round(config.idleTimeoutMs / 1000),
  };

  let record: DirectLeaseRecord;
  let acquired = false;
  let known: DeleteTarget | undefined;
  let leaseID: string;
  if (options.id) {
    record = findDirectRecord(env, options.id);
    leaseID = record.leaseID;
    known = { cloudID: record.cloudID, leaseID, ...(record.region ? { region: record.region } : {}) };
    progress.info(
      `using direct lease ${record.leaseID} slug=${record.slug} provider=${record.provider} host=${record.host}`,
    );
  } else {
    leaseID = newLeaseId();
    const slug = slugForLeaseId(leaseID);
    acquired = true;
    const key = ensureLeaseKey(env, leaseID);
    const spec = directSpec(
      config,
      env,
      { leaseID, slug, publicKey: key.publicKey, keep: options.keep, nowMs: Date.now() },
      await sshCIDRsFor(config.provider, env),
    );
    progress.phase(
      "provisioning",
      `provider=${config.provider} lease=${leaseID} slug=${slug} class=${config.class} keep=${options.keep}`,
    );
    const started = Date.now();
    let machine: ProvisionedMachine;
    try {
      machine = await provider.create(spec, signal);
    } catch (error) {
      await cleanUpFailed(provider, leaseID, undefined, env, progress);
      throw error;
    }
    for (const attempt of machine.attempts) {
      progress.info(`fallback provisioning: ${attempt.serverType} ${attempt.category}: ${attempt.message}`);
    }
    record = recordFor(machine, spec, options.keep, options.repoRoot);
    known = { cloudID: machine.cloudID, leaseID, ...(machine.region ? { region: machine.region } : {}) };
    writeDirectRecord(env, record);
    progress.info(
      `provisioned ${leaseID} slug=${slug} provider=${machine.provider} id=${machine.cloudID} type=${machine.serverType} host=${machine.host} in ${formatDuration(Date.now() - started)}`,
    );
  }

  const touch = async (state?: string) => {
    const labels = touchLabels(record.labels, Date.now(), defaults, state);
    await provider.updateLabels?.(known!, labels);
    record = { ...record, labels };
    writeDirectRecord(env, record);
  };
  const release = async (keep: boolean) => {
    if (!acquired) return;
    if (keep) {
      await touch("ready").catch(() => {});
      progress.info(`kept direct lease ${leaseID}; \`crabbox cleanup\` deletes it once it expires`);
      return;
    }
    progress.phase("releasing", `${leaseID} server=${known?.cloudID ?? "-"}`);
    await cleanUpFailed(provider, leaseID, known, env, progress);
  };

  return holdTarget(
    { acquired, signal, progress, readyTimeoutMs: options.readyTimeoutMs, release },
    async (hold) => {
      const connection = directConnection(record, env);
      hold.keepAlive(
        startDirectHeartbeat({
          provider,
          target: known!,
          intervalMs: heartbeatIntervalMs(config.idleTimeoutMs),
          touch: () => touch(),
          warn: (m) => progress.warn(m),
        }),
      );
      const active = await hold.ready(connection);
      await touch("ready");
      return active;
    },
  );
}

/** Deletes the lease's machine, then forgets it locally. Never throws: failures tell how to finish by hand. */
async function cleanUpFailed(
  provider: Provider,
  leaseID: string,
  known: DeleteTarget | undefined,
  env: Env,
  progress: Progress,
): Promise<void> {
  try {
    await deleteLeaseMachines(provider, leaseID, known);
    removeDirectRecord(env, leaseID);
    deleteLeaseKey(env, leaseID);
    progress.info(`released ${leaseID} (machine deleted)`);
  } catch (error) {
    progress.warn(
      `could not delete the machine of ${leaseID}: ${(error as Error).message}; \`crabbox cleanup\` deletes it once it expires`,
    );
  }
}
