import type { LeaseRecord } from "../../api";
import { CrabboxError } from "../../errors";
import { ensureLocalStack } from "../../stack/ensure";
import { isLocalStackUrl } from "../../stack/local-url";
import { hasCoordinator, isStaticProvider, type ResolvedConfig } from "../config";
import { CoordinatorClient } from "../coordinator/client";
import { usesDirectMode } from "../direct/mode";
import type { Progress } from "../output/progress";
import type { SshSession } from "../ssh/connect";
import { staticConnection } from "../static/target";
import { connectionFromLease, type MachineConnection, waitReady } from "./connection";
import { heartbeatIntervalMs, startHeartbeat } from "./heartbeat";
import { holdTarget } from "./hold";
import { createLease, newPendingLease, releaseLease } from "./lease";
import type { RunRecorder } from "./recorder";

type Env = Record<string, string | undefined>;

const cloudProviders = ["hetzner", "aws", "azure"];

/**
 * The coordinator to lease from. Zero config means the local stack: started on demand,
 * with provider `local`. A user config that points at the local stack (written there by
 * `crabbox dev`) still means "start it if it is stopped", not "fail to connect". A cloud
 * provider without a coordinator is direct mode, which never reaches this function.
 */
export async function coordinatorFor(
  config: ResolvedConfig,
  env: Env,
  progress: Progress,
): Promise<CoordinatorClient> {
  if (hasCoordinator(config) && !isLocalStackUrl(config.broker.url, env as NodeJS.ProcessEnv)) {
    return CoordinatorClient.fromConfig(config, env);
  }
  if (cloudProviders.includes(config.provider)) {
    // A local stack configured for a cloud (its coordinator given that cloud's settings, as
    // the brokered e2e tests do) brokers it like any coordinator; it is never started here.
    if (hasCoordinator(config)) return CoordinatorClient.fromConfig(config, env);
    throw new CrabboxError(
      "config",
      `provider ${config.provider} without a coordinator is direct mode, which this command does not support: ` +
        "run `crabbox login --url <coordinator>`, or drop the provider to use local machines",
    );
  }
  if (config.provider !== "local") {
    throw new CrabboxError(
      "config",
      `unknown provider "${config.provider}": use local, hetzner, aws, azure or ssh`,
      {
        field: "provider",
      },
    );
  }
  progress.phase("starting local stack");
  const stack = await ensureLocalStack({
    env: env as NodeJS.ProcessEnv,
    onStart: (log) => progress.info(`starting the local stack (log: ${log})`),
  });
  // One invocation, one identity: after `crabbox login` against the local stack the user's
  // token is the configured one, and `list`/`stop`/`logs` use it too. The stack's shared token
  // is only the zero-config default (docs/local-machines.md).
  const token = hasCoordinator(config) && config.broker.token ? config.broker.token : stack.token;
  return CoordinatorClient.fromConfig(
    {
      ...config,
      broker: { ...config.broker, url: stack.url, token },
      provider: "local",
      providerExplicit: true,
    },
    env,
  );
}

/** A machine this command is using, and everything that must be undone when it is done. */
export interface ActiveTarget {
  connection: MachineConnection;
  session: SshSession;
  lease?: LeaseRecord;
  client?: CoordinatorClient;
  /** True when this command created the lease (and so releases it unless kept). */
  acquired: boolean;
  /** A fresh ready session after a dropped connection; replaces `session`. */
  reconnect(): Promise<SshSession>;
  /** Stops heartbeats, closes SSH and releases an acquired lease unless `keep`. Never throws. */
  finish(keep: boolean): Promise<void>;
}

export interface AcquireOptions {
  config: ResolvedConfig;
  env: Env;
  signal: AbortSignal;
  progress: Progress;
  /** Reuse this lease (ID or slug) instead of creating one. */
  id?: string;
  keep: boolean;
  recorder?: RunRecorder;
  /** The command being run, for the run record. */
  command?: string[];
  /** Bootstrap wait for a fresh machine. */
  readyTimeoutMs?: number;
  /** Takes a telemetry sample for heartbeats (Linux machines). */
  sampler?: (session: SshSession) => Promise<import("../../api").TelemetryInput | undefined>;
}

/**
 * Leases (or reuses) a machine and waits until it is ready over SSH. Whatever fails after
 * the lease ID is chosen — the create, provisioning, readiness, a Ctrl-C — releases the
 * lease before the error leaves this function: no path leaks a lease.
 */
export async function acquireTarget(options: AcquireOptions): Promise<ActiveTarget> {
  const { config, env, signal, progress, recorder } = options;
  if (isStaticProvider(config.provider)) {
    const connection = staticConnection(config, env);
    progress.info(
      `using static host ${connection.user}@${connection.host}:${connection.ports[0]} (never created or deleted by crabbox)`,
    );
    progress.phase("waiting for ssh", connection.host);
    const session = await waitReady(connection, {
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      signal,
      phase: "ready-check",
      onWaiting: (m) => progress.info(m),
    });
    const active: ActiveTarget = {
      connection,
      session,
      acquired: false,
      async reconnect() {
        active.session.close();
        active.session = await waitReady(connection, { timeoutMs: 60_000, signal, phase: "reconnect" });
        return active.session;
      },
      async finish() {
        active.session.close();
      },
    };
    return active;
  }

  // Direct mode's graph (the cloud providers) loads only when a command uses it (docs/cli.md, "Start-up").
  if (usesDirectMode(config)) return (await import("../direct/acquire")).acquireDirectTarget(options);

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
    { acquired: Boolean(pending), signal, progress, readyTimeoutMs: options.readyTimeoutMs, release },
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
        lease = await client.getLease(options.id!, signal);
        if (lease.state !== "active") {
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
