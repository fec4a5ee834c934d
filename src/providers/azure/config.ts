/**
 * Everything the Azure provider needs to know about its subscription and its shared
 * network. Credentials come only from the environment (never from a request or a label);
 * the endpoints are configurable so that sovereign clouds and the loopback fake work alike.
 */
import { CrabboxError } from "../../errors";

export interface AzureRetrySettings {
  /** Retries of one HTTP call on 429 / 5xx / network errors (the SDK honours Retry-After). */
  maxRetries: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

export interface AzureTimeouts {
  /** Any single non-long-running call (GET, sync PUT, the token request). */
  callMs: number;
  /** A network resource PUT or a DELETE, polling included. */
  networkMs: number;
  /** The VM PUT, polling included: past it the candidate counts as timed out. */
  vmCreateMs: number;
  /** The Windows bootstrap extension (the script itself runs inside it). */
  extensionMs: number;
  /** Waiting for the public IP to carry an address. */
  ipWaitMs: number;
}

export interface AzureProviderConfig {
  subscriptionId: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  location: string;
  resourceGroup: string;
  vnet: string;
  subnet: string;
  nsg: string;
  /** `Publisher:Offer:SKU:Version`. */
  linuxImage: string;
  windowsImage: string;
  /** Source CIDRs for the NSG's SSH rules when the lease names none. */
  sshCIDRs: string[];
  armEndpoint: string;
  loginEndpoint: string;
  /** Extra PEM trust for a private ARM endpoint (the tests' loopback fake). */
  tlsCA?: string;
  /** After the spot ladder is exhausted by capacity errors, try every size on regular priority. */
  fallbackToOnDemand: boolean;
  pollIntervalMs: number;
  timeouts: AzureTimeouts;
  retry: AzureRetrySettings;
  /** Whole clean-up passes (VM → NIC → IP → disk) while a dependency lock remains. */
  deleteAttempts: number;
  deleteRetryDelayMs: number;
  /** The fetch used for the token endpoint (a test seam; defaults to the global fetch). */
  fetch?: typeof fetch;
}

export const defaultAzureSettings = {
  location: "eastus",
  resourceGroup: "crabbox-leases",
  vnet: "crabbox-vnet",
  subnet: "crabbox-subnet",
  nsg: "crabbox-nsg",
  linuxImage: "Canonical:ubuntu-24_04-lts:server:latest",
  windowsImage: "MicrosoftWindowsServer:WindowsServer:2022-datacenter-smalldisk-g2:latest",
  sshCIDRs: ["0.0.0.0/0"],
  armEndpoint: "https://management.azure.com",
  loginEndpoint: "https://login.microsoftonline.com",
  fallbackToOnDemand: true,
  pollIntervalMs: 3000,
  timeouts: {
    callMs: 30_000,
    networkMs: 5 * 60_000,
    vmCreateMs: 10 * 60_000,
    extensionMs: 30 * 60_000,
    ipWaitMs: 2 * 60_000,
  },
  retry: { maxRetries: 4, retryDelayMs: 1000, maxRetryDelayMs: 30_000 },
  // 13 passes 15 s apart outlast Azure's 180 s NIC reservation after a VM delete.
  deleteAttempts: 13,
  deleteRetryDelayMs: 15_000,
} satisfies Omit<AzureProviderConfig, "subscriptionId" | "tenantId" | "clientId" | "clientSecret">;

export type AzureProviderInput = Pick<
  AzureProviderConfig,
  "subscriptionId" | "tenantId" | "clientId" | "clientSecret"
> &
  Partial<Omit<AzureProviderConfig, "timeouts" | "retry">> & {
    timeouts?: Partial<AzureTimeouts>;
    retry?: Partial<AzureRetrySettings>;
  };

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;
const cidrPattern = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/;
const imagePattern = /^[^:\s]+:[^:\s]+:[^:\s]+:[^:\s]+$/;

function invalid(field: string, message: string): CrabboxError {
  return new CrabboxError("config", message, { field });
}

/** Fills defaults and validates; the message names the field, never a value of a secret. */
export function resolveAzureConfig(input: AzureProviderInput): AzureProviderConfig {
  for (const field of ["subscriptionId", "tenantId", "clientId", "clientSecret"] as const) {
    if (!input[field]) throw invalid(field, `azure ${field} is required`);
  }
  const config: AzureProviderConfig = {
    ...defaultAzureSettings,
    ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
    timeouts: { ...defaultAzureSettings.timeouts, ...input.timeouts },
    retry: { ...defaultAzureSettings.retry, ...input.retry },
  } as AzureProviderConfig;
  for (const field of ["resourceGroup", "vnet", "subnet", "nsg", "location"] as const) {
    if (!namePattern.test(config[field])) throw invalid(field, `azure ${field} is not a valid Azure name`);
  }
  for (const field of ["linuxImage", "windowsImage"] as const) {
    if (!imagePattern.test(config[field])) {
      throw invalid(field, `azure ${field} must be Publisher:Offer:SKU:Version`);
    }
  }
  if (config.sshCIDRs.length === 0 || !config.sshCIDRs.every((c) => cidrPattern.test(c))) {
    throw invalid("sshCIDRs", "azure sshCIDRs must be a non-empty list of CIDRs");
  }
  for (const field of ["armEndpoint", "loginEndpoint"] as const) {
    if (!/^https?:\/\/[^\s/]+/.test(config[field])) throw invalid(field, `azure ${field} must be a URL`);
  }
  config.armEndpoint = config.armEndpoint.replace(/\/+$/, "");
  config.loginEndpoint = config.loginEndpoint.replace(/\/+$/, "");
  return config;
}

/** `CRABBOX_AZURE_*` first, then the standard `AZURE_*` names; the secret only from `AZURE_CLIENT_SECRET`. */
export function azureConfigFromEnv(env: Record<string, unknown>): AzureProviderConfig {
  const pick = (...names: string[]) =>
    names.map((n) => env[n]).find((v): v is string => typeof v === "string" && v.trim() !== "");
  return resolveAzureConfig({
    subscriptionId: pick("CRABBOX_AZURE_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID") ?? "",
    tenantId: pick("CRABBOX_AZURE_TENANT_ID", "AZURE_TENANT_ID") ?? "",
    clientId: pick("CRABBOX_AZURE_CLIENT_ID", "AZURE_CLIENT_ID") ?? "",
    clientSecret: pick("AZURE_CLIENT_SECRET") ?? "",
    location: pick("CRABBOX_AZURE_LOCATION"),
    resourceGroup: pick("CRABBOX_AZURE_RESOURCE_GROUP"),
    vnet: pick("CRABBOX_AZURE_VNET"),
    subnet: pick("CRABBOX_AZURE_SUBNET"),
    nsg: pick("CRABBOX_AZURE_NSG"),
    linuxImage: pick("CRABBOX_AZURE_IMAGE"),
    windowsImage: pick("CRABBOX_AZURE_WINDOWS_IMAGE"),
    sshCIDRs: pick("CRABBOX_AZURE_SSH_CIDRS")
      ?.split(",")
      .map((c) => c.trim())
      .filter(Boolean),
    armEndpoint: pick("CRABBOX_AZURE_ARM_ENDPOINT"),
    loginEndpoint: pick("CRABBOX_AZURE_LOGIN_ENDPOINT"),
  });
}
