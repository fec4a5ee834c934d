import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LeaseRecord } from "../../../src/api";
import { directConnection } from "../../../src/cli/direct/connection";
import type { DirectLeaseRecord } from "../../../src/cli/direct/records";
import { ensureLeaseKey } from "../../../src/cli/keys/store";
import { connectionFromLease } from "../../../src/cli/run/connection";
import { MANAGED_WINDOWS_READY_COMMAND, POSIX_READY_COMMAND } from "../../../src/cli/ssh/ready";
import { windowsApplyCommand } from "../../../src/cli/sync/remote-windows";
import { windowsComputerName } from "../../../src/providers/azure/names";
import {
  windowsBootstrapScript,
  windowsReadinessCommand,
  windowsReadinessMarker,
} from "../../../src/providers/bootstrap/windows";

/**
 * What the CLI runs on a native Windows lease, checked as generated text against what the
 * bootstrap installs (no Windows host runs in the suite; docs/providers-azure.md lists what
 * has never run on a real one).
 */
const decode = (command: string) =>
  Buffer.from(/-EncodedCommand (\S+)$/.exec(command)![1]!, "base64").toString("utf16le");

const spec = {
  sshUser: "crabbox",
  sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl k",
  sshPort: 2222,
  sshFallbackPorts: [22],
  workRoot: "C:\\crabbox",
};
const bootstrap = windowsBootstrapScript(spec);
const readyScript = bootstrap.split("$readyScript = @'\r\n")[1]!.split("\r\n'@")[0]!;

describe("native Windows readiness, sync and bootstrap agree", () => {
  it("probes readiness by running the crabbox-ready.ps1 the bootstrap installs, which checks the marker written last", () => {
    const probe = decode(MANAGED_WINDOWS_READY_COMMAND);
    expect(probe).toContain(`$ready = '${windowsReadinessCommand}'`);
    expect(probe).toContain("if (-not (Test-Path -LiteralPath $ready)) { exit 1 }");
    expect(probe).toContain("try { & $ready } catch { exit 1 }");
    expect(probe).toContain("if ($LASTEXITCODE) { exit $LASTEXITCODE }");
    // the bootstrap writes that very file, and only then the marker
    expect(bootstrap).toContain(`$CrabboxReady = '${windowsReadinessCommand}'`);
    const writesReady = bootstrap.indexOf("[IO.File]::WriteAllText($CrabboxReady");
    expect(writesReady).toBeGreaterThan(0);
    expect(bootstrap.indexOf("[IO.File]::WriteAllText($CrabboxMarker")).toBeGreaterThan(writesReady);
    // and the installed check needs the marker, git, tar and a writable work root
    expect(readyScript).toContain(`if (-not (Test-Path '${windowsReadinessMarker}')) { exit 1 }`);
    expect(readyScript).toMatch(/^git --version/m);
    expect(readyScript).toMatch(/^tar --version/m);
    expect(readyScript).toContain(`Join-Path '${spec.workRoot}' '.crabbox-ready-probe'`);
  });

  it("uses the managed Windows probe for direct and brokered Windows leases, and the POSIX one otherwise", () => {
    const leaseID = "cbx_0123456789ab";
    const home = mkdtempSync(join(tmpdir(), "crabbox-win-ready-"));
    const env = {
      HOME: home,
      CRABBOX_STATE_DIR: join(home, "state"),
      CRABBOX_CONFIG_DIR: join(home, "config"),
    };
    ensureLeaseKey(env, leaseID);
    const record = {
      leaseID,
      slug: "s",
      provider: "azure",
      cloudID: "crabbox-s-1",
      name: "crabbox-s-1",
      serverType: "Standard_D2ads_v6",
      host: "192.0.2.1",
      sshUser: "crabbox",
      sshPort: 2222,
      sshFallbackPorts: [22],
      workRoot: "C:\\crabbox",
      target: "windows",
      keep: false,
      labels: {},
      createdAt: new Date().toISOString(),
    } satisfies DirectLeaseRecord;
    expect(directConnection(record, env).readyCommand).toBe(MANAGED_WINDOWS_READY_COMMAND);
    expect(directConnection({ ...record, target: "linux" }, env).readyCommand).toBe(POSIX_READY_COMMAND);
    const lease = { id: leaseID, host: "192.0.2.1", sshPort: 2222, target: "windows", provider: "azure" };
    expect(connectionFromLease(lease as unknown as LeaseRecord, env).readyCommand).toBe(
      MANAGED_WINDOWS_READY_COMMAND,
    );
    expect(
      connectionFromLease({ ...lease, target: "linux" } as unknown as LeaseRecord, env).readyCommand,
    ).toBe(POSIX_READY_COMMAND);
  });

  it("syncs with the tar.exe Windows ships, which the installed check verifies", () => {
    const apply = decode(windowsApplyCommand("C:\\crabbox\\repo"));
    expect(apply).toContain("tar.exe -xf -");
    expect(readyScript).toMatch(/^tar --version/m);
    expect(bootstrap).not.toMatch(/Invoke-WebRequest[^\r]*tar/i);
  });

  it("gives every lease its own computer name within Windows' 15 characters", () => {
    const a = windowsComputerName("cbx_0123456789ab");
    const b = windowsComputerName("cbx_0123456789ac");
    expect(a).toBe("cbx0123456789ab");
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(15);
  });
});
