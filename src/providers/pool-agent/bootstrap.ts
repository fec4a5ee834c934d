/**
 * The pool agent's part of the Linux cloud-init (docs/providers.md#ready-pools): its script,
 * its root-only config holding the machine's token, and a systemd unit started before the
 * bootstrap. Only a pool machine's spec asks for it (`MachineSpec.poolAgent`).
 */
import { CrabboxError } from "../../errors";
import { readinessMarkerPath } from "../bootstrap/paths";
import type { MachineSpec } from "../provider";
import {
  type PoolAgentConfig,
  poolAgentConfigPath,
  poolAgentDonePath,
  poolAgentScript,
  poolAgentScriptPath,
  poolAgentUnit,
  poolAgentUnitName,
  poolAgentUnitPath,
} from "./agent-script";

type PoolAgentSpec = NonNullable<MachineSpec["poolAgent"]>;

function validate(agent: PoolAgentSpec, sshPorts: number[]): void {
  if (
    !Number.isInteger(agent.port) ||
    agent.port < 1024 ||
    agent.port > 65535 ||
    sshPorts.includes(agent.port)
  ) {
    throw new CrabboxError("invalid_request", "poolAgent.port must be a free port between 1024 and 65535", {
      field: "poolAgent.port",
    });
  }
  // Never echo the token: only its shape is checked.
  if (!/^[0-9a-f]{64}$/.test(agent.token)) {
    throw new CrabboxError("invalid_request", "poolAgent.token must be 64 hex digits", {
      field: "poolAgent.token",
    });
  }
}

export function poolAgentFiles(agent: PoolAgentSpec, sshUser: string, sshPorts: number[]) {
  validate(agent, sshPorts);
  const config: PoolAgentConfig = {
    bind: "0.0.0.0",
    port: agent.port,
    token: agent.token,
    authorizedKeysPath: `/home/${sshUser}/.ssh/authorized_keys`,
    user: sshUser,
    readyMarker: readinessMarkerPath,
    doneMarker: poolAgentDonePath,
    afterHandOver: ["systemctl", "disable", poolAgentUnitName],
  };
  return [
    { path: poolAgentScriptPath, permissions: "0755", content: poolAgentScript },
    {
      path: poolAgentConfigPath,
      permissions: "0600",
      owner: "root:root",
      content: `${JSON.stringify(config)}\n`,
    },
    { path: poolAgentUnitPath, permissions: "0644", content: poolAgentUnit() },
  ];
}

export const poolAgentRuncmd = [
  ["systemctl", "daemon-reload"],
  ["systemctl", "enable", "--now", poolAgentUnitName],
];
