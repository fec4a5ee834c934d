import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { windowsExtensionCommand } from "../../../src/providers/bootstrap/windows";
import { type ArmDocument, type RunningFakeArm, startFakeArm } from "../../support/fake-arm";
import { leaseSpec, providerFor } from "./harness";

let arm: RunningFakeArm;
beforeAll(async () => {
  arm = await startFakeArm();
});
afterAll(async () => {
  await arm.close();
});

describe("azure create (native Windows)", () => {
  it("creates a Windows VM whose custom data is the bootstrap and runs it through the script extension", async () => {
    const spec = leaseSpec({ leaseID: "cbx_8556d7bc1580", target: "windows", windowsMode: "normal" });
    const machine = await providerFor(arm).create(spec);
    expect(machine.workRoot).toBe("C:\\crabbox");

    const vm = arm.fake.find("virtualMachine", machine.cloudID);
    const os = vm.properties.osProfile;
    expect(os.computerName).toBe("cbx8556d7bc1580");
    expect(os.computerName.length).toBeLessThanOrEqual(15);
    expect(os.adminUsername).toBe("crabadmin");
    expect(os.adminPassword).toMatch(/^Cb1!.{24}$/);
    expect(os.allowExtensionOperations).toBe(true);
    expect(os.windowsConfiguration).toEqual({ provisionVMAgent: true, enableAutomaticUpdates: false });
    expect(os.linuxConfiguration).toBeUndefined();
    expect(vm.properties.storageProfile.imageReference).toEqual({
      publisher: "MicrosoftWindowsServer",
      offer: "WindowsServer",
      sku: "2022-datacenter-smalldisk-g2",
      version: "latest",
    });
    const script = Buffer.from(os.customData, "base64").toString("utf8");
    expect(script).toContain(`$CrabboxPublicKey = '${spec.sshPublicKey}'`);
    expect(script).not.toContain(os.adminPassword);

    // Azure rejects tag names starting with "windows"
    expect(vm.tags.crabbox_windows_mode).toBe("normal");
    expect(Object.keys(vm.tags).some((k) => /^windows/i.test(k))).toBe(false);

    const [extension] = arm.fake.requestsTo("PUT", "vmExtension");
    expect(extension!.path).toMatch(
      /\/virtualMachines\/crabbox-[a-z-]+-[0-9a-f]{8}\/extensions\/crabbox-bootstrap$/,
    );
    const ext = extension!.body as ArmDocument;
    expect(ext.tags.lease).toBe(spec.leaseID);
    expect(ext.properties).toMatchObject({
      publisher: "Microsoft.Compute",
      type: "CustomScriptExtension",
      typeHandlerVersion: "1.10",
      autoUpgradeMinorVersion: true,
      protectedSettings: { commandToExecute: windowsExtensionCommand() },
    });
    expect(typeof ext.properties.settings.timestamp).toBe("number");
    expect(ext.properties.protectedSettings.commandToExecute).toContain("AzureData\\CustomData.bin");

    // the extension is created after the VM exists, and the lease is ready only once it finished
    const order = arm.fake.requests.filter((r) => r.method === "PUT").map((r) => r.type);
    expect(order.indexOf("vmExtension")).toBeGreaterThan(order.indexOf("virtualMachine"));
  });

  it("finishes the bootstrap of an adopted Windows VM whose earlier create ended before it", async () => {
    const spec = leaseSpec({ leaseID: "cbx_0000000000ad", target: "windows" });
    const provider = providerFor(arm);
    const first = await provider.create(spec);
    arm.fake.drop("vmExtension", "crabbox-bootstrap");
    const extensionPuts = arm.fake.requestsTo("PUT", "vmExtension").length;
    const vmPuts = arm.fake.requestsTo("PUT", "virtualMachine").length;

    const second = await provider.create(spec);
    expect(second.cloudID).toBe(first.cloudID);
    expect(arm.fake.requestsTo("PUT", "vmExtension")).toHaveLength(extensionPuts + 1);
    expect(arm.fake.requestsTo("PUT", "virtualMachine")).toHaveLength(vmPuts);

    // with the bootstrap done, a third call adopts without touching anything
    await provider.create(spec);
    expect(arm.fake.requestsTo("PUT", "vmExtension")).toHaveLength(extensionPuts + 1);
  });

  it("rejects Windows modes Azure does not offer before calling the cloud", async () => {
    const before = arm.fake.requests.length;
    await expect(
      providerFor(arm).create(leaseSpec({ target: "windows", windowsMode: "wsl2" as "normal" })),
    ).rejects.toMatchObject({ code: "unsupported" });
    expect(arm.fake.requests.length).toBe(before);
  });

  it("cleans everything up when the bootstrap extension fails", async () => {
    arm.fake.inject({
      method: "PUT",
      type: "vmExtension",
      fault: { kind: "asyncFail", code: "VMExtensionProvisioningError", message: "script exited with 1" },
    });
    const spec = leaseSpec({ leaseID: "cbx_0000000000e1", target: "windows" });
    await expect(providerFor(arm).create(spec)).rejects.toMatchObject({ code: "provider_error" });
    const left = arm.fake
      .all()
      .filter((r) => r.body?.tags?.lease === spec.leaseID || r.name.includes("0000000000e1"));
    expect(left).toEqual([]);
  });
});
