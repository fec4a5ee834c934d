/**
 * Direct mode: the CLI itself creates the machine with the caller's credentials, through the
 * same provider modules, labels and bootstrap as the coordinator. It records the lease
 * locally, keeps the machine's expiry labels fresh while it works, and deletes the machine
 * when done. Whatever fails after the lease ID is chosen deletes what was created.
 */
import { newLeaseId, slugForLeaseId } from "../../domain/ids";
import type { DeleteTarget, ProvisionedMachine } from "../../providers/provider";
import { formatDuration } from "../config";
import { directConnection } from "../direct/connection";
import { startDirectHeartbeat } from "../direct/heartbeat";
import { touchLabels } from "../direct/labels";
import { directProvider } from "../direct/providers";
import { type DirectLeaseRecord, findDirectRecord, writeDirectRecord } from "../direct/records";
import { directSpec, recordFor } from "../direct/spec";
import { sshCIDRsFor } from "../direct/ssh-cidrs";
import { deleteDirectLease } from "../direct/teardown";
import { ensureLeaseKey } from "../keys/store";
import { heartbeatIntervalMs } from "../run/heartbeat";
import { holdTarget } from "./hold";
import type { AcquireOptions, ActiveTarget } from "./types";

export async function acquireDirect(options: AcquireOptions): Promise<ActiveTarget> {
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
      await deleteDirectLease(provider, leaseID, undefined, env, progress);
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
    await deleteDirectLease(provider, leaseID, known, env, progress);
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
