/**
 * The one list of machine providers. The coordinator (its API schema, the orphan sweep,
 * admin views) and the CLI (direct mode, target selection, help and error text) all derive
 * from it. This module imports nothing, so the Worker and the CLI can both depend on it
 * without pulling a cloud SDK into either bundle (docs/providers.md).
 */

/** Clouds the coordinator brokers and the CLI's direct mode drives with the caller's credentials. */
export const cloudProviderNames = ["hetzner", "aws", "azure"] as const;
export type CloudProviderName = (typeof cloudProviderNames)[number];

/** Every provider a lease may name: the local machines plus the clouds. */
export const providerNames = ["local", ...cloudProviderNames] as const;
export type ProviderName = (typeof providerNames)[number];

export function isProviderName(value: string): value is ProviderName {
  return (providerNames as readonly string[]).includes(value);
}

export function isCloudProvider(value: string): value is CloudProviderName {
  return (cloudProviderNames as readonly string[]).includes(value);
}

/** `a, b or c`: how help and error text name a choice among providers. */
export function inWords(names: readonly string[], or = "or"): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} ${or} ${names.at(-1)}`;
}
