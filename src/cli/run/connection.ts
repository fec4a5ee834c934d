import { connect as tcpConnect } from "node:net";
import type { LeaseRecord } from "../../api";
import { CrabboxError } from "../../errors";
import { formatDuration } from "../config";
import { readLeaseKey } from "../keys/store";
import type { SshSession } from "../ssh/connect";
import {
  MANAGED_WINDOWS_READY_COMMAND,
  POSIX_READY_COMMAND,
  STATIC_POSIX_READY_COMMAND,
  waitForReadySession,
} from "../ssh/ready";

type Env = Record<string, string | undefined>;

/** Everything needed to reach one machine over SSH. */
export interface MachineConnection {
  leaseID: string;
  slug: string;
  provider: string;
  host: string;
  user: string;
  /** The configured port first, then the fallbacks. */
  ports: number[];
  workRoot: string;
  target: string;
  privateKey: string;
  /** Where that key is on disk, for printing an OpenSSH command line. */
  privateKeyPath: string;
  knownHostsPath?: string;
  /** Host keys are pinned under the lease ID: cloud addresses and loopback ports get reused. */
  hostKeyAlias: string;
  readyCommand: string;
}

/** Managed machines prove readiness with the bootstrap's marker command. */
export const managedReadyCommand = POSIX_READY_COMMAND;
/** A static host only needs what sync uses. */
export const staticReadyCommand = STATIC_POSIX_READY_COMMAND;

export function connectionFromLease(lease: LeaseRecord, env: Env): MachineConnection {
  if (!lease.host) {
    throw new CrabboxError("ssh_failed", `lease ${lease.id} has no host yet (state ${lease.state})`);
  }
  const key = readLeaseKey(env, lease.id);
  if (!key) {
    throw new CrabboxError(
      "config",
      `no SSH key for lease ${lease.id} on this computer (it was leased elsewhere); leases are reachable only from where they were created`,
    );
  }
  const port = Number(lease.sshPort ?? 22);
  return {
    leaseID: lease.id,
    slug: lease.slug,
    provider: lease.provider,
    host: lease.host,
    user: lease.sshUser ?? "crabbox",
    ports: [...new Set([port, ...(lease.sshFallbackPorts ?? []).map(Number)])],
    workRoot: lease.workRoot ?? "/work/crabbox",
    target: lease.target,
    privateKey: key.privateKey,
    privateKeyPath: key.privateKeyPath,
    knownHostsPath: key.knownHostsPath,
    hostKeyAlias: lease.id,
    // a brokered native Windows lease proves readiness with its bootstrap's check, not sh
    readyCommand: lease.target === "windows" ? MANAGED_WINDOWS_READY_COMMAND : managedReadyCommand,
  };
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  phase: string;
  onWaiting?: (message: string) => void;
}

/**
 * Connects and runs the readiness command over the ports until it succeeds, and returns
 * the open session (reused for sync and the command). "Running" is not "ready": only a
 * successful readiness command over the same transport counts.
 */
export async function waitReady(connection: MachineConnection, options: WaitOptions): Promise<SshSession> {
  const { session } = await waitForReadySession(
    {
      host: connection.host,
      port: connection.ports[0]!,
      fallbackPorts: connection.ports.slice(1),
      username: connection.user,
      privateKey: connection.privateKey,
      hostKeyPolicy: "pin",
      knownHostsPath: connection.knownHostsPath,
      hostKeyAlias: connection.hostKeyAlias,
      readyCommand: connection.readyCommand,
    },
    {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      attemptTimeoutMs: 10_000,
      onProgress: (p) =>
        options.onWaiting?.(
          `waiting for ${p.host}:${p.port} ${options.phase} ${p.stage} elapsed=${formatDuration(p.elapsedMs)} remaining=${formatDuration(p.remainingMs)}`,
        ),
    },
  );
  return session;
}

function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}

/** A quick (≈4 s) readiness probe for `status`: SSH + ready command when we hold the key, else TCP. */
export async function probeReady(
  target: MachineConnection | LeaseRecord,
  signal: AbortSignal,
  env: Env = {},
): Promise<boolean> {
  let connection: MachineConnection;
  if ("readyCommand" in target) connection = target;
  else {
    if (!target.host) return false;
    try {
      connection = connectionFromLease(target, env);
    } catch {
      return tcpOpen(target.host, Number(target.sshPort ?? 22), 2000);
    }
  }
  try {
    const session = await waitReady(connection, { timeoutMs: 4000, signal, phase: "status" });
    session.close();
    return true;
  } catch (error) {
    if (signal.aborted) throw error;
    return false;
  }
}
