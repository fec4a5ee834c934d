export { azureSizeCandidates, azureSizesForClass } from "./classes";
export {
  type AzureProviderConfig,
  type AzureProviderInput,
  azureConfigFromEnv,
  resolveAzureConfig,
} from "./config";
export { AzureProvider, type AzureProviderOptions } from "./provider";
