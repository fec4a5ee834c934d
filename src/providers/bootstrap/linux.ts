/**
 * The Linux bootstrap every cloud runs through cloud-init (Hetzner `user_data`, EC2
 * `UserData`, Azure `customData`). The machine ends up with one user that logs in by key
 * only, sshd on the lease's ports, the tools that sync needs, a writable work root, and a
 * readiness check that passes only once the whole bootstrap has finished.
 *
 * The document is built as data and serialised with `yaml`, so quoting is never done by
 * hand; the shell parts receive only values validated here.
 */
import { stringify } from "yaml";
import { CrabboxError } from "../../errors";
import { poolAgentFiles, poolAgentRuncmd } from "../pool-agent/bootstrap";
import type { MachineSpec } from "../provider";
import { publicKeyPattern } from "./key-pattern";
import { readinessMarkerPath } from "./paths";

export { readinessMarkerPath };

export type LinuxBootstrapInput = Pick<
  MachineSpec,
  "sshUser" | "sshPublicKey" | "sshPort" | "sshFallbackPorts" | "workRoot" | "poolAgent"
>;

/** Packages the sync and the readiness check rely on; nothing else is installed. */
export const linuxBootstrapPackages = [
  "openssh-server",
  "ca-certificates",
  "curl",
  "git",
  "rsync",
  "jq",
  "tar",
] as const;

export const readinessCommandPath = "/usr/local/bin/crabbox-ready";
export const bootstrapScriptPath = "/usr/local/lib/crabbox/bootstrap.sh";
export const sshdConfigPath = "/etc/ssh/sshd_config.d/99-crabbox.conf";

const userPattern = /^[a-z_][a-z0-9_-]{0,31}$/;
const workRootPattern = /^\/[A-Za-z0-9._/-]*$/;

function invalid(field: string, message: string): CrabboxError {
  return new CrabboxError("invalid_request", message, { field });
}

/** 2222 first, then the fallbacks, each once: the order the CLI probes them in. */
export function sshPortsOf(input: Pick<MachineSpec, "sshPort" | "sshFallbackPorts">): number[] {
  const ports = [input.sshPort, ...input.sshFallbackPorts];
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw invalid("sshPort", `SSH port ${String(port)} is not an integer between 1 and 65535`);
    }
  }
  return [...new Set(ports)];
}

function validate(input: LinuxBootstrapInput): void {
  if (!userPattern.test(input.sshUser)) {
    throw invalid("sshUser", "sshUser must be a lowercase Linux user name (a-z, 0-9, _ and -)");
  }
  if (input.sshUser === "root") throw invalid("sshUser", "sshUser must not be root");
  if (!publicKeyPattern.test(input.sshPublicKey.trim())) {
    throw invalid("sshPublicKey", "sshPublicKey must be one OpenSSH public key line");
  }
  if (
    !workRootPattern.test(input.workRoot) ||
    input.workRoot.split("/").includes("..") ||
    input.workRoot === "/"
  ) {
    throw invalid("workRoot", "workRoot must be an absolute path of letters, digits, '.', '_', '-' and '/'");
  }
}

function sshdConfig(ports: number[]): string {
  return [
    ...ports.map((port) => `Port ${port}`),
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "PermitRootLogin no",
    "",
  ].join("\n");
}

function readyScript(workRoot: string): string {
  return [
    "#!/usr/bin/env bash",
    "# Passes only after the bootstrap finished and every tool the sync needs works.",
    "set -euo pipefail",
    "git --version >/dev/null",
    "rsync --version >/dev/null",
    "curl --version >/dev/null",
    "jq --version >/dev/null",
    "tar --version >/dev/null",
    `test -f ${readinessMarkerPath}`,
    `test -w '${workRoot}'`,
    "",
  ].join("\n");
}

function bootstrapScript(input: LinuxBootstrapInput): string {
  const user = input.sshUser;
  const root = `'${input.workRoot}'`;
  return [
    "#!/usr/bin/env bash",
    "set -euxo pipefail",
    "export DEBIAN_FRONTEND=noninteractive",
    "retry() {",
    "  local n=1",
    '  until "$@"; do',
    '    if [ "$n" -ge 8 ]; then return 1; fi',
    "    sleep $((n * 5)); n=$((n + 1))",
    "  done",
    "}",
    "retry apt-get update",
    `retry apt-get install -y --no-install-recommends ${linuxBootstrapPackages.join(" ")}`,
    `mkdir -p ${root}`,
    `chown -R ${user}:${user} ${root}`,
    `install -d -m 0755 ${readinessMarkerPath.slice(0, readinessMarkerPath.lastIndexOf("/"))}`,
    // Ubuntu 24.04 starts sshd by socket activation: the generator turns the Port lines into
    // listeners only after a daemon-reload, so reload before restarting either unit.
    "systemctl daemon-reload || true",
    "systemctl enable ssh || true",
    "timeout 30s systemctl restart ssh.socket || timeout 30s systemctl restart ssh || true",
    `touch ${readinessMarkerPath}`,
    readinessCommandPath,
    "",
  ].join("\n");
}

/** The `#cloud-config` document for a Linux lease. Throws `invalid_request` naming the bad field. */
export function linuxCloudInit(spec: LinuxBootstrapInput): string {
  validate(spec);
  const ports = sshPortsOf(spec);
  const document = {
    package_update: false,
    package_upgrade: false,
    ssh_pwauth: false,
    disable_root: true,
    users: [
      {
        name: spec.sshUser,
        groups: "sudo",
        shell: "/bin/bash",
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        lock_passwd: true,
        ssh_authorized_keys: [spec.sshPublicKey.trim()],
      },
    ],
    write_files: [
      {
        path: "/etc/apt/apt.conf.d/80-crabbox-retries",
        permissions: "0644",
        content: 'Acquire::Retries "8";\nAcquire::http::Timeout "30";\nAcquire::https::Timeout "30";\n',
      },
      { path: sshdConfigPath, permissions: "0644", content: sshdConfig(ports) },
      { path: readinessCommandPath, permissions: "0755", content: readyScript(spec.workRoot) },
      { path: bootstrapScriptPath, permissions: "0755", content: bootstrapScript(spec) },
      ...(spec.poolAgent ? poolAgentFiles(spec.poolAgent, spec.sshUser, ports) : []),
    ],
    // The agent starts first, so the coordinator hears "not ready" until the marker is written.
    runcmd: [...(spec.poolAgent ? poolAgentRuncmd : []), [bootstrapScriptPath]],
  };
  return `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
}
