/**
 * The three ARM SDK clients, pointed at the configured endpoint with our credential, our
 * retry budget (the SDK's retry policy honours 429 Retry-After and retries 5xx) and, for a
 * private endpoint such as the tests' loopback fake, extra TLS trust.
 */
import { ComputeManagementClient } from "@azure/arm-compute";
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceManagementClient } from "@azure/arm-resources";
import type { TokenCredential } from "@azure/core-auth";
import type { AzureProviderConfig } from "./config";

export interface ArmClients {
  compute: ComputeManagementClient;
  network: NetworkManagementClient;
  resources: ResourceManagementClient;
}

export function createArmClients(config: AzureProviderConfig, credential: TokenCredential): ArmClients {
  const options = {
    endpoint: config.armEndpoint,
    credentials: { scopes: [`${config.armEndpoint}/.default`] },
    retryOptions: {
      maxRetries: config.retry.maxRetries,
      retryDelayInMs: config.retry.retryDelayMs,
      maxRetryDelayInMs: config.retry.maxRetryDelayMs,
    },
    ...(config.tlsCA ? { tlsOptions: { ca: config.tlsCA } } : {}),
    userAgentOptions: { userAgentPrefix: "crabbox" },
  };
  return {
    compute: new ComputeManagementClient(credential, config.subscriptionId, options),
    network: new NetworkManagementClient(credential, config.subscriptionId, options),
    resources: new ResourceManagementClient(credential, config.subscriptionId, options),
  };
}
