import { CrabboxError } from "../../errors";
import { readLeaseKey } from "../keys/store";
import { type MachineConnection, managedReadyCommand } from "../run/connection";
import { MANAGED_WINDOWS_READY_COMMAND } from "../ssh/ready";
import type { DirectLeaseRecord } from "./records";

type Env = Record<string, string | undefined>;

/** How to reach a recorded direct lease's machine, with the lease key this computer created for it. */
export function directConnection(record: DirectLeaseRecord, env: Env): MachineConnection {
  const key = readLeaseKey(env, record.leaseID);
  if (!key) {
    throw new CrabboxError("config", `no SSH key for direct lease ${record.leaseID} on this computer`);
  }
  return {
    leaseID: record.leaseID,
    slug: record.slug,
    provider: record.provider,
    host: record.host,
    user: record.sshUser,
    ports: [...new Set([record.sshPort, ...record.sshFallbackPorts])],
    workRoot: record.workRoot,
    target: record.target,
    privateKey: key.privateKey,
    privateKeyPath: key.privateKeyPath,
    knownHostsPath: key.knownHostsPath,
    hostKeyAlias: record.leaseID,
    readyCommand: record.target === "windows" ? MANAGED_WINDOWS_READY_COMMAND : managedReadyCommand,
  };
}
