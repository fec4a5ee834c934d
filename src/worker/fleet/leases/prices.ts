import { maxEstimatedUSD } from "../../../domain/cost";
import { parsePriceOverrides, resolveHourlyPrice } from "../../../domain/pricing";
import type { Provider } from "../../../providers/provider";
import { withDeadline } from "../deadline";
import type { FleetDeps } from "../deps";

/**
 * Hourly price of a server type: the operator's overrides, the provider's live price (looked
 * up under a deadline; a failing or slow price API never blocks a lease), the built-in table.
 */
export async function hourlyPrice(
  deps: FleetDeps,
  provider: Provider,
  serverType: string,
  region: string | undefined,
): Promise<number> {
  const overrides = parsePriceOverrides(
    typeof deps.env.CRABBOX_COST_RATES_JSON === "string" ? deps.env.CRABBOX_COST_RATES_JSON : undefined,
  );
  let live: number | undefined;
  if (provider.hourlyPriceUSD && !overrides.has(`${provider.name}:${serverType}`.toLowerCase())) {
    try {
      live = await withDeadline("provider price lookup", deps.settings.providerCallTimeoutMs, () =>
        (provider.hourlyPriceUSD as NonNullable<Provider["hourlyPriceUSD"]>)(serverType, region),
      );
    } catch {
      live = undefined;
    }
  }
  return resolveHourlyPrice({ provider: provider.name, serverType, overrides, providerPriceUSD: live }).usd;
}

export function reservation(ttlSeconds: number, hourlyUSD: number): number {
  return maxEstimatedUSD(ttlSeconds, hourlyUSD);
}
