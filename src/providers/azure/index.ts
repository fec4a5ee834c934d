export { azureSizeCandidates, azureSizesForClass } from "./classes";
export {
  type AzureProviderConfig,
  type AzureProviderInput,
  azureConfigFromEnv,
  resolveAzureConfig,
} from "./config";
export { AzureProvider, type AzureProviderOptions } from "./provider";

import { type AzureProviderInput, azureConfigFromEnv } from "./config";
import { AzureProvider, type AzureProviderOptions } from "./provider";

/**
 * For the provider registry: the Azure provider configured from the environment, plus
 * settings that are not environment strings (the CLI's extra TLS trust).
 */
export function azureProviderFromEnv(
  env: Record<string, unknown>,
  extra: Pick<AzureProviderInput, "tlsCA" | "fetch"> = {},
  options: AzureProviderOptions = {},
): AzureProvider {
  return new AzureProvider({ ...azureConfigFromEnv(env), ...extra }, options);
}
