export { azureSizeCandidates, azureSizesForClass } from "./classes";
export {
  type AzureProviderConfig,
  type AzureProviderInput,
  azureConfigFromEnv,
  resolveAzureConfig,
} from "./config";
export { AzureProvider, type AzureProviderOptions } from "./provider";

import { azureConfigFromEnv } from "./config";
import { AzureProvider } from "./provider";

/** For the provider registry: the Azure provider configured from the coordinator's environment. */
export function azureProviderFromEnv(env: Record<string, unknown>): AzureProvider {
  return new AzureProvider(azureConfigFromEnv(env));
}
