/**
 * Hourly machine prices in USD (docs/api.md#cost-guardrails-and-prices), in precedence order:
 *   1. the operator's override JSON (`CRABBOX_COST_RATES_JSON`),
 *   2. the provider's live price, when it publishes one,
 *   3. the built-in table below,
 *   4. a conservative per-provider fallback.
 * Pure: the live price is looked up by the caller (with a deadline) and passed in.
 */

export type PriceSource = "override" | "provider" | "table" | "fallback";

export interface HourlyPrice {
  usd: number;
  source: PriceSource;
}

/** USD per hour. `local` machines run on the operator's own computer and cost nothing. */
const builtInTable: Record<string, Record<string, number>> = {
  hetzner: { cx53: 0.08, cpx62: 0.18, ccx33: 0.36, ccx43: 0.54, ccx53: 0.72, ccx63: 1.08 },
  aws: {
    "c7a.4xlarge": 0.75,
    "c7a.8xlarge": 1.5,
    "c7a.12xlarge": 2.25,
    "c7a.16xlarge": 3.0,
    "c7a.24xlarge": 4.5,
    "c7a.32xlarge": 6.0,
    "c7a.48xlarge": 9.0,
  },
};

/** Unknown types are priced high rather than free, so caps still bite. */
const fallbackUSD: Record<string, number> = { aws: 3.0, local: 0 };
const defaultFallbackUSD = 0.5;

export type PriceOverrides = ReadonlyMap<string, number>;

function positive(value: unknown): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Reads `{"provider:serverType": price}`. The nested form `{"provider": {"serverType": price}}`
 * that the reference's docs show (but its code ignored) is accepted too. Numeric strings are
 * fine; non-positive or non-numeric entries are skipped; invalid JSON means no overrides.
 */
export function parsePriceOverrides(json: string | undefined): PriceOverrides {
  const overrides = new Map<string, number>();
  if (!json?.trim()) return overrides;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return overrides;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return overrides;
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const [serverType, nested] of Object.entries(value)) {
        const price = positive(nested);
        if (price !== undefined) overrides.set(priceKey(key, serverType), price);
      }
      continue;
    }
    const price = positive(value);
    if (price !== undefined && key.includes(":")) overrides.set(key.toLowerCase(), price);
  }
  return overrides;
}

function priceKey(provider: string, serverType: string): string {
  return `${provider}:${serverType}`.toLowerCase();
}

export interface PriceQuery {
  provider: string;
  serverType: string;
  overrides?: PriceOverrides;
  /** The provider's live price, if it has one and answered in time. */
  providerPriceUSD?: number;
}

export function resolveHourlyPrice(query: PriceQuery): HourlyPrice {
  const override = query.overrides?.get(priceKey(query.provider, query.serverType));
  if (override !== undefined) return { usd: override, source: "override" };
  const live = positive(query.providerPriceUSD);
  if (live !== undefined) return { usd: live, source: "provider" };
  const table = builtInTable[query.provider]?.[query.serverType];
  if (table !== undefined) return { usd: table, source: "table" };
  return { usd: fallbackUSD[query.provider] ?? defaultFallbackUSD, source: "fallback" };
}
