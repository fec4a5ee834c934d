import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANAGED_WINDOWS_READY_COMMAND } from "../../../src/cli/ssh/ready";
import { windowsExtensionCommand } from "../../../src/providers/bootstrap/windows";
import { type ArmResourceType, cliEnvFor, type RunningFakeArm, startFakeArm } from "../../support/fake-arm";
import { runCli } from "../support";
import { checkoutWithOrigin } from "../sync/git/git-fixture";
import { type LocalCloudMachine, localCloudMachine } from "./local-machine";

const perLease: ArmResourceType[] = ["virtualMachine", "networkInterface", "publicIPAddress", "disk"];

/**
 * A native Windows lease in direct mode, as far as this machine allows: the CLI creates the
 * VM on the ARM fake with the bootstrap as custom data and the Custom Script Extension that
 * runs it, then waits with the managed Windows readiness probe. The machine behind the IP is
 * not Windows: its `powershell.exe` records what it was asked to run and answers "not ready",
 * so the test ends with Ctrl-C and checks that every per-lease resource is deleted.
 */
describe("direct mode on Azure, native Windows (up to where a Windows host is needed)", () => {
  let arm: RunningFakeArm;
  let machine: LocalCloudMachine;
  let probeLog: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    arm = await startFakeArm({ loginTls: true });
    arm.fake.addressFor = () => "127.0.0.1";
    const dir = mkdtempSync(join(tmpdir(), "crabbox-azure-win-"));
    probeLog = join(dir, "powershell.log");
    writeFileSync(join(dir, "ca.pem"), arm.ca);
    machine = await localCloudMachine(
      () => {
        const put = arm.fake.requestsTo("PUT", "virtualMachine").at(-1)?.body as
          | { properties: { osProfile: { customData: string } } }
          | undefined;
        if (!put) return undefined;
        const script = Buffer.from(put.properties.osProfile.customData, "base64").toString("utf8");
        return /^\$CrabboxPublicKey = '([^']+)'/m.exec(script)?.[1];
      },
      undefined,
      { "powershell.exe": `#!/bin/sh\nprintf '%s\\n' "$*" >> '${probeLog}'\nexit 1\n` },
    );
    const home = mkdtempSync(join(tmpdir(), "crabbox-direct-home-"));
    const configDir = join(home, "config");
    mkdirSync(configDir);
    writeFileSync(
      join(configDir, "config.yaml"),
      [
        "provider: azure",
        "target: windows",
        "capacity:",
        "  market: on-demand",
        "ssh:",
        `  port: ${machine.port}`,
        "  fallbackPorts: []",
        "workRoot: C:\\crabbox",
        "",
      ].join("\n"),
    );
    env = {
      HOME: home,
      CRABBOX_CONFIG_DIR: configDir,
      CRABBOX_STATE_DIR: join(home, "state"),
      CRABBOX_OWNER: "tester",
      ...cliEnvFor(arm),
      CRABBOX_AZURE_SSH_CIDRS: "127.0.0.1/32",
      NODE_EXTRA_CA_CERTS: join(dir, "ca.pem"),
      PATH: process.env.PATH ?? "",
    };
  });

  afterAll(async () => {
    await machine?.close();
    await arm?.close();
  });

  it("creates the VM with the bootstrap and its script extension, waits with the Windows probe, and deletes everything on Ctrl-C", async () => {
    const c = checkoutWithOrigin("azure-windows");
    const controller = new AbortController();
    const watch = setInterval(() => {
      if (existsSync(probeLog) && readFileSync(probeLog, "utf8").length > 0) controller.abort();
    }, 20);
    const r = await runCli(["run", "--", "echo never"], {
      env,
      cwd: c.root,
      signal: controller.signal,
    }).finally(() => clearInterval(watch));
    expect(controller.signal.aborted, r.stderr).toBe(true);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");

    const vm = arm.fake.requestsTo("PUT", "virtualMachine")[0]!.body as {
      properties: { osProfile: { computerName: string; windowsConfiguration?: unknown } };
    };
    expect(vm.properties.osProfile.windowsConfiguration).toBeDefined();
    expect(vm.properties.osProfile.computerName).toMatch(/^cbx[0-9a-f]{12}$/);
    const [extension] = arm.fake.requestsTo("PUT", "vmExtension");
    expect(
      (extension!.body as { properties: { protectedSettings: { commandToExecute: string } } }).properties
        .protectedSettings.commandToExecute,
    ).toBe(windowsExtensionCommand());

    // the probe the CLI ran over SSH is the managed Windows one, byte for byte
    const encoded = /-EncodedCommand (\S+)$/.exec(MANAGED_WINDOWS_READY_COMMAND)![1]!;
    expect(readFileSync(probeLog, "utf8")).toContain(`-EncodedCommand ${encoded}`);

    expect(arm.fake.all().filter((res) => perLease.includes(res.type))).toEqual([]);
    expect(arm.fake.all("vmExtension")).toEqual([]);
  });
});
