import type { LeaseRecord } from "../../api";
import type { CoordinatorClient } from "../../client/client";
import type { Progress } from "../output/progress";
import { type MachineConnection, waitReady } from "../run/connection";
import type { SshSession } from "../ssh/connect";
import { type HolderUse, startHolderFor, viaHolder } from "./held-connection";
import { BOOTSTRAP_TIMEOUT_MS, RECONNECT_TIMEOUT_MS, REUSED_READY_TIMEOUT_MS } from "./timeouts";
import type { ActiveTarget } from "./types";

/** What a brokered or direct lease registers while it is being made ready. */
export interface TargetHold {
  /** The current ready session, for heartbeats that sample the machine. */
  session(): SshSession | undefined;
  /** The heartbeat that `finish` stops before anything else. */
  keepAlive(heartbeat: { stop(): Promise<void> }): void;
  /**
   * Waits until the machine answers over SSH — the full bootstrap wait for a machine this
   * command created, a short ready-check for a reused one — and wraps it as the target.
   */
  ready(
    connection: MachineConnection,
    leased?: { lease: LeaseRecord; client: CoordinatorClient },
  ): Promise<ActiveTarget>;
}

/**
 * The part of holding a lease that brokered and direct mode share: one heartbeat, one SSH
 * session, and a `finish` that stops the first, closes the second and then releases. If
 * `use` throws, the lease is released before the error leaves this function.
 */
export async function holdTarget(
  options: {
    acquired: boolean;
    signal: AbortSignal;
    progress: Progress;
    readyTimeoutMs?: number;
    /** Releases (or keeps) the lease once heartbeats stopped and SSH closed. Never throws. */
    release(keep: boolean): Promise<void>;
    /** The SSH connection holder, when enabled (docs/sync.md#ssh-connection-holder). */
    holder?: HolderUse;
  },
  use: (hold: TargetHold) => Promise<ActiveTarget>,
): Promise<ActiveTarget> {
  const { acquired, signal, progress } = options;
  let heartbeat: { stop(): Promise<void> } | undefined;
  let session: SshSession | undefined;
  const finish = async (keep: boolean) => {
    await heartbeat?.stop();
    session?.close();
    await options.release(keep);
  };
  const hold: TargetHold = {
    session: () => session,
    keepAlive(loop) {
      heartbeat = loop;
    },
    async ready(connection, leased) {
      progress.phase("waiting for ssh", `${connection.host}:${connection.ports[0]}`);
      const direct = () =>
        waitReady(connection, {
          timeoutMs: acquired ? (options.readyTimeoutMs ?? BOOTSTRAP_TIMEOUT_MS) : REUSED_READY_TIMEOUT_MS,
          signal,
          phase: acquired ? "bootstrap" : "ready-check",
          onWaiting: (m) => progress.phase("waiting for ssh", m),
        });
      const holder = options.holder;
      // Only a lease that outlives this command gets a holder: a reused one, or a kept new one.
      const holds = holder?.enabled === true && leased !== undefined && (!acquired || holder.keep);
      session = holds ? await viaHolder(holder, connection, leased.lease, direct) : undefined;
      if (session) progress.info(`using the SSH connection holder for ${connection.leaseID}`);
      else {
        session = await direct();
        if (holds) startHolderFor(holder, connection, session, leased.lease);
      }
      const active: ActiveTarget = {
        connection,
        session,
        ...leased,
        acquired,
        async reconnect() {
          session?.close();
          session = await waitReady(connection, {
            timeoutMs: RECONNECT_TIMEOUT_MS,
            signal,
            phase: "reconnect",
          });
          active.session = session;
          return session;
        },
        finish,
      };
      return active;
    },
  };
  try {
    return await use(hold);
  } catch (error) {
    await finish(false);
    throw error;
  }
}
