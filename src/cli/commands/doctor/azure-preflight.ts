/**
 * `crabbox doctor --provider azure`: checks the local service principal with GET calls only
 * (docs/providers.md, "Preflight: crabbox doctor --provider azure"): the Entra ID token, the
 * subscription and resource group, the location and the classes' VM sizes (Resource SKUs),
 * the vCPU quota (Usage - List) and the actions the principal may take on the resource
 * group (Permissions - List For Resource Group).
 */
import { azureClassNames, azureSizesForClass } from "../../../providers/azure/classes";
import { type AzureProviderConfig, azureConfigFromEnv } from "../../../providers/azure/config";
import { ClientSecretFetchCredential } from "../../../providers/azure/credential";
import { extraTrust } from "../../direct/trust";
import { type ArmGet, allowedBy, armGetter } from "./azure-reads";
import type { PreflightCheck } from "./hetzner-preflight";

type Env = Record<string, string | undefined>;

/** What a lease writes (docs/providers-azure.md): the principal must be allowed each. */
const neededActions = [
  "Microsoft.Resources/subscriptions/resourceGroups/write",
  "Microsoft.Network/virtualNetworks/write",
  "Microsoft.Network/networkSecurityGroups/write",
  "Microsoft.Network/publicIPAddresses/write",
  "Microsoft.Network/networkInterfaces/write",
  "Microsoft.Compute/virtualMachines/write",
  "Microsoft.Compute/virtualMachines/delete",
  "Microsoft.Compute/disks/delete",
];

interface Sku {
  resourceType?: string;
  name?: string;
  family?: string;
  capabilities?: Array<{ name: string; value: string }>;
  restrictions?: Array<{ type?: string; reasonCode?: string }>;
}

export async function azurePreflight(env: Env, signal?: AbortSignal): Promise<PreflightCheck[]> {
  const withAliases: Env = { ...env };
  for (const v of ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_SUBSCRIPTION_ID"])
    withAliases[v] = env[`CRABBOX_${v}`] || env[v];
  const missing = [
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_SUBSCRIPTION_ID",
  ].filter((v) => !withAliases[v]?.trim());
  if (missing.length)
    return [{ status: "missing", name: "azure", detail: `no service principal: set ${missing.join(", ")}` }];
  let config: AzureProviderConfig;
  let fetchImpl: typeof fetch;
  try {
    config = azureConfigFromEnv(withAliases);
    fetchImpl = extraTrust(env)?.fetch ?? ((input, init) => fetch(input, init));
  } catch (error) {
    return [{ status: "failed", name: "azure", detail: (error as Error).message }];
  }
  const credential = new ClientSecretFetchCredential({ ...config, timeoutMs: 15_000, fetch: fetchImpl });
  let token: string;
  try {
    token = (await credential.getToken(`${config.armEndpoint}/.default`, { abortSignal: signal })).token;
  } catch (error) {
    const refused = /http 4\d\d/.test((error as Error).message);
    return [
      {
        status: "failed",
        name: "token",
        detail: refused
          ? `Entra ID refuses the service principal (${(error as Error).message}): check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET`
          : `Entra ID did not answer (${(error as Error).message}): check CRABBOX_AZURE_LOGIN_ENDPOINT and the network`,
      },
    ];
  }
  const checks: PreflightCheck[] = [
    { status: "ok", name: "token", detail: "the service principal signs in" },
  ];
  const get = armGetter(config, token, fetchImpl, signal);
  const sub = `/subscriptions/${encodeURIComponent(config.subscriptionId)}`;
  const rgPath = `${sub}/resourceGroups/${encodeURIComponent(config.resourceGroup)}`;
  const rg = await get(rgPath, "2021-04-01");
  if (rg.status === 404 && rg.code !== "ResourceGroupNotFound") {
    checks.push({
      status: "failed",
      name: "subscr",
      detail: `subscription not found (${rg.code}): set AZURE_SUBSCRIPTION_ID to a subscription the principal can see`,
    });
    return checks;
  }
  if (rg.status === 403) {
    checks.push({
      status: "failed",
      name: "group",
      detail: `cannot read resource group ${config.resourceGroup} (${rg.code}): assign the principal a role on it (Contributor) or set CRABBOX_AZURE_RESOURCE_GROUP`,
    });
    return checks;
  }
  checks.push(
    rg.status === 200
      ? { status: "ok", name: "group", detail: `${config.resourceGroup} exists` }
      : {
          status: "ok",
          name: "group",
          detail: `${config.resourceGroup} does not exist yet; the first lease creates it`,
        },
  );
  checks.push(...(await sizeChecks(get, sub, config.location)));
  checks.push(
    permissionCheck(
      await get(`${rgPath}/providers/Microsoft.Authorization/permissions`, "2022-04-01"),
      config,
    ),
  );
  return checks;
}

async function sizeChecks(get: ArmGet, sub: string, location: string): Promise<PreflightCheck[]> {
  const filter = encodeURIComponent(`location eq '${location}'`);
  const skus = await get(`${sub}/providers/Microsoft.Compute/skus`, "2021-07-01", `&$filter=${filter}`);
  const usable = new Map<string, Sku>();
  for (const sku of ((skus.body?.value as Sku[] | undefined) ?? []).filter(
    (s) => s.resourceType === "virtualMachines",
  )) {
    if (sku.name && !sku.restrictions?.some((r) => r.type === "Location")) usable.set(sku.name, sku);
  }
  if (skus.status !== 200 || usable.size === 0) {
    return [
      {
        status: "failed",
        name: "location",
        detail: `no VM size is offered to this subscription in ${location}: set CRABBOX_AZURE_LOCATION to an Azure region (e.g. eastus)`,
      },
    ];
  }
  const checks: PreflightCheck[] = [{ status: "ok", name: "location", detail: location }];
  const usage = await get(
    `${sub}/providers/Microsoft.Compute/locations/${encodeURIComponent(location)}/usages`,
    "2024-07-01",
  );
  const free = new Map<string, number>();
  for (const u of (usage.body?.value as Array<{
    name?: { value?: string };
    currentValue?: number;
    limit?: number;
  }>) ?? [])
    if (u.name?.value) free.set(u.name.value, (u.limit ?? 0) - (u.currentValue ?? 0));
  for (const className of azureClassNames) {
    const ladder = azureSizesForClass("linux", className);
    const offered = ladder.filter((s) => usable.has(s));
    if (!offered.length) {
      checks.push({
        status: "failed",
        name: "class",
        detail: `${className}: none of ${ladder.join(", ")} is offered in ${location}; set CRABBOX_AZURE_LOCATION to another region`,
      });
      continue;
    }
    const fits = offered.filter((s) => {
      const sku = usable.get(s)!;
      const vcpus = Number(sku.capabilities?.find((c) => c.name === "vCPUs")?.value ?? "0");
      return (free.get(sku.family ?? "") ?? Infinity) >= vcpus && (free.get("cores") ?? Infinity) >= vcpus;
    });
    checks.push(
      fits.length
        ? {
            status: "ok",
            name: "class",
            detail: `${className}: ${fits.join(", ")} offered in ${location} within the vCPU quota`,
          }
        : {
            status: "failed",
            name: "quota",
            detail: `${className}: ${offered.join(", ")} exceed the free vCPU quota in ${location}; request more (Azure portal, Quotas) or set CRABBOX_AZURE_LOCATION`,
          },
    );
  }
  return checks;
}

function permissionCheck(answer: Awaited<ReturnType<ArmGet>>, config: AzureProviderConfig): PreflightCheck {
  if (answer.status !== 200) {
    return {
      status: "failed",
      name: "allowed",
      detail: `cannot list the principal's permissions on ${config.resourceGroup} (${answer.code}): assign it Contributor on the resource group`,
    };
  }
  const grants = (answer.body?.value as Array<{ actions?: string[]; notActions?: string[] }>) ?? [];
  const denied = neededActions.filter((a) => !allowedBy(grants, a));
  return denied.length
    ? {
        status: "failed",
        name: "allowed",
        detail: `the principal may not ${denied.join(", ")} on ${config.resourceGroup}: assign it Contributor on the resource group (or the subscription)`,
      }
    : { status: "ok", name: "allowed", detail: `every action a lease needs on ${config.resourceGroup}` };
}
