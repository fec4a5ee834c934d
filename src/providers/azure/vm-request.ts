/**
 * The exact VM, NIC, public IP and extension documents a lease sends, as pure functions, so
 * that tests can hold them against the reference's wire format.
 */
import type { VirtualMachine, VirtualMachineExtension } from "@azure/arm-compute";
import type { NetworkInterface, PublicIPAddress } from "@azure/arm-network";
import { CrabboxError } from "../../errors";
import { linuxCloudInit } from "../bootstrap/linux";
import { windowsBootstrapScript, windowsExtensionCommand } from "../bootstrap/windows";
import type { MachineSpec, Market } from "../provider";
import type { AzureProviderConfig } from "./config";
import type { LeaseResourceNames } from "./names";
import { windowsComputerName } from "./names";

export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function imageReference(image: string) {
  const parts = image.split(":");
  if (parts.length !== 4 || parts.some((p) => p.length === 0)) {
    throw new CrabboxError("invalid_request", "azure image must be Publisher:Offer:SKU:Version", {
      field: "image",
    });
  }
  const [publisher, offer, sku, version] = parts as [string, string, string, string];
  return { publisher, offer, sku, version };
}

export function publicIPRequest(location: string, tags: Record<string, string>): PublicIPAddress {
  return { location, tags, sku: { name: "Standard" }, publicIPAllocationMethod: "Static" };
}

export function nicRequest(input: {
  location: string;
  tags: Record<string, string>;
  subnetId: string;
  publicIPId: string;
  nsgId: string;
}): NetworkInterface {
  return {
    location: input.location,
    tags: input.tags,
    ipConfigurations: [
      {
        name: "ipconfig",
        privateIPAllocationMethod: "Dynamic",
        subnet: { id: input.subnetId },
        publicIPAddress: { id: input.publicIPId },
      },
    ],
    networkSecurityGroup: { id: input.nsgId },
  };
}

/** A Windows administrator password satisfying Azure's complexity rules; never stored or logged. */
export function randomAdminPassword(random: (n: number) => Uint8Array): string {
  const bytes = random(18);
  const body = btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "x");
  return `Cb1!${body}`;
}

export function vmRequest(input: {
  spec: MachineSpec;
  config: AzureProviderConfig;
  names: LeaseResourceNames;
  location: string;
  size: string;
  market: Market;
  nicId: string;
  tags: Record<string, string>;
  adminPassword?: string;
}): VirtualMachine {
  const { spec, config, names } = input;
  const windows = spec.target === "windows";
  const image = spec.image ?? (windows ? config.windowsImage : config.linuxImage);
  const osProfile: VirtualMachine["osProfile"] = windows
    ? {
        computerName: windowsComputerName(spec.leaseID),
        adminUsername: "crabadmin",
        adminPassword: input.adminPassword,
        customData: base64Utf8(windowsBootstrapScript(spec)),
        allowExtensionOperations: true,
        windowsConfiguration: { provisionVMAgent: true, enableAutomaticUpdates: false },
      }
    : {
        computerName: names.vm,
        adminUsername: spec.sshUser,
        customData: base64Utf8(linuxCloudInit(spec)),
        linuxConfiguration: {
          disablePasswordAuthentication: true,
          ssh: {
            publicKeys: [
              { path: `/home/${spec.sshUser}/.ssh/authorized_keys`, keyData: spec.sshPublicKey.trim() },
            ],
          },
        },
      };
  return {
    location: input.location,
    tags: input.tags,
    hardwareProfile: { vmSize: input.size },
    storageProfile: {
      imageReference: imageReference(image),
      osDisk: {
        name: names.osDisk,
        createOption: "FromImage",
        caching: "ReadWrite",
        managedDisk: { storageAccountType: "StandardSSD_LRS" },
        deleteOption: "Delete",
      },
    },
    osProfile,
    networkProfile: { networkInterfaces: [{ id: input.nicId, primary: true, deleteOption: "Detach" }] },
    ...(input.market === "spot"
      ? { priority: "Spot", evictionPolicy: "Delete", billingProfile: { maxPrice: -1 } }
      : { priority: "Regular" }),
  };
}

export function bootstrapExtensionRequest(input: {
  location: string;
  tags: Record<string, string>;
  timestamp: number;
}): VirtualMachineExtension {
  return {
    location: input.location,
    tags: input.tags,
    publisher: "Microsoft.Compute",
    typePropertiesType: "CustomScriptExtension",
    typeHandlerVersion: "1.10",
    autoUpgradeMinorVersion: true,
    settings: { timestamp: input.timestamp },
    protectedSettings: { commandToExecute: windowsExtensionCommand() },
  };
}
