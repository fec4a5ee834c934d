import type { ArmClients } from "./clients";
import type { AzureProviderConfig } from "./config";

/** What every Azure step needs: the resolved configuration and the SDK clients. */
export interface AzureContext {
  config: AzureProviderConfig;
  clients: ArmClients;
}

export function armId(ctx: AzureContext, provider: string, kind: string, name: string): string {
  const { subscriptionId, resourceGroup } = ctx.config;
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${provider}/${kind}/${name}`;
}
