/**
 * The optional SSH connection holder for a held lease (docs/sync.md#ssh-connection-holder):
 * use the lease's holder when one answers, and start one after a direct connect.
 */
import type { LeaseRecord } from "../../api";
import type { MachineConnection } from "../run/connection";
import { connectHolder } from "../ssh/holder/client";
import { startHolder } from "../ssh/holder/spawn";
import type { SshSession } from "../ssh/session-types";
import type { Env } from "./types";

export interface HolderUse {
  env: Env;
  /** `ssh.holdConnection` / `CRABBOX_HOLD_CONNECTION`. */
  enabled: boolean;
  /** The lease stays after this command (`--keep`, warmup). */
  keep: boolean;
}

/** A session through the lease's holder, or undefined (no holder, a stale one, another machine). */
export function viaHolder(
  use: HolderUse,
  connection: MachineConnection,
  lease: LeaseRecord,
  direct: () => Promise<SshSession>,
): Promise<SshSession | undefined> {
  return connectHolder(use.env, {
    leaseID: connection.leaseID,
    host: connection.host,
    port: connection.ports[0]!,
    username: connection.user,
    knownHostsPath: connection.knownHostsPath ?? "",
    hostKeyAlias: connection.hostKeyAlias,
    windows: lease.target === "windows",
    expiresAtMs: Date.parse(lease.expiresAt),
    direct,
  });
}

/** Starts the holder for the machine a direct session reached; the next command uses it. */
export function startHolderFor(
  use: HolderUse,
  connection: MachineConnection,
  session: SshSession,
  lease: LeaseRecord,
): void {
  const expiresAtMs = Date.parse(lease.expiresAt);
  if (!(expiresAtMs > Date.now())) return;
  startHolder(
    {
      leaseID: connection.leaseID,
      host: connection.host,
      port: session.port,
      username: connection.user,
      hostKeyAlias: connection.hostKeyAlias,
      expiresAtMs,
      os: lease.target === "windows" ? "windows" : lease.target === "macos" ? "macos" : "linux",
    },
    use.env,
  );
}
