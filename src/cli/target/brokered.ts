import type { LeaseRecord } from "../../api";
import { CrabboxError } from "../../errors";
import { connectionFromLease } from "../run/connection";
import { heartbeatIntervalMs, startHeartbeat } from "../run/heartbeat";
import { createLease, newPendingLease, releaseLease } from "../run/lease";
import { stopHolder } from "../ssh/holder/client";
import { coordinatorFor, earlyLeaseLookup, lookupLease } from "./coordinator";
import { holdTarget } from "./hold";
import type { AcquireOptions, ActiveTarget } from "./types";

/**
 * A lease from a coordinator (a remote one, or the local stack started on demand), created
 * or reused with `--id`, heartbeated while the command holds it. Whatever fails after the
 * lease ID is chosen — the create, provisioning, readiness, a Ctrl-C — releases the lease
 * before the error leaves this function: no path leaks a lease.
 */
export async function acquireBrokered(options: AcquireOptions): Promise<ActiveTarget> {
  const { config, env, signal, progress, recorder } = options;
  const early = options.id ? await earlyLeaseLookup(config, env, options.id, signal) : undefined;
  const client = await coordinatorFor(config, env, progress);
  recorder?.attach(client);
  const pending = options.id ? undefined : newPendingLease();
  const release = async (keep: boolean) => {
    if (pending && !keep) {
      await releaseLease({ client, env, leaseID: pending.leaseID, progress });
      recorder?.event({ type: "lease.released", phase: "released", leaseID: pending.leaseID });
    }
  };
  return holdTarget(
    {
      acquired: Boolean(pending),
      signal,
      progress,
      readyTimeoutMs: options.readyTimeoutMs,
      release,
      holder: { env, enabled: config.ssh.holdConnection, keep: options.keep },
    },
    async (hold) => {
      let lease: LeaseRecord;
      if (pending) {
        await recorder?.start({
          leaseID: pending.leaseID,
          provider: config.provider,
          target: config.target,
          class: config.class,
          serverType: config.serverType,
          command: options.command ?? [],
        });
        recorder?.event({
          type: "leasing.started",
          phase: "leasing",
          leaseID: pending.leaseID,
          slug: pending.slug,
        });
        lease = await createLease({ client, config, env, pending, keep: options.keep, signal, progress });
      } else {
        lease = await lookupLease(client, early, options.id!, signal);
        if (lease.state !== "active") {
          // released elsewhere (portal, another computer, expiry): its holder goes too
          await stopHolder(env, lease.id);
          throw new CrabboxError(
            "not_found",
            `lease ${lease.id} (${lease.slug}) is ${lease.state}; lease a new one without --id`,
          );
        }
        if (options.command) {
          // Not awaited: the record is created while SSH connects (RunRecorder.start).
          void recorder?.start({
            leaseID: lease.id,
            provider: lease.provider,
            target: lease.target,
            class: lease.class ?? config.class,
            serverType: lease.serverType ?? "",
            command: options.command,
          });
        }
      }
      progress.info(
        `leased ${lease.id} slug=${lease.slug} provider=${lease.provider} type=${lease.serverType ?? "-"} host=${lease.host ?? "-"} expires=${lease.expiresAt}`,
      );
      recorder?.event({
        type: "lease.created",
        phase: "leased",
        leaseID: lease.id,
        slug: lease.slug,
        provider: lease.provider,
        target: lease.target,
        class: lease.class,
        serverType: lease.serverType,
      });
      const sampler = options.sampler;
      hold.keepAlive(
        startHeartbeat({
          client,
          leaseID: lease.id,
          intervalMs: heartbeatIntervalMs(lease.idleTimeoutSeconds * 1000),
          sample:
            sampler && lease.target === "linux"
              ? async () => {
                  const session = hold.session();
                  return session ? sampler(session) : undefined;
                }
              : undefined,
          onSample: (sample) => recorder?.telemetry(sample),
          warn: (m) => progress.warn(m),
        }),
      );
      const connection = connectionFromLease(lease, env);
      recorder?.event({
        type: "bootstrap.waiting",
        phase: "bootstrap",
        message: "waiting for SSH and the readiness check",
      });
      return hold.ready(connection, { lease, client });
    },
  );
}
