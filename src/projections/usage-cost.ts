/**
 * What one lease costs, in whole cents (docs/api.md#usage): runtime from creation to its end
 * (to `now` while live), the estimate at its hourly price, and what it reserved (its cap, or the
 * estimate without one). The usage summary and the monthly roll-up both count through this, and
 * in integer cents, so a roll-up's sums are exact whatever order leases were added in.
 */
export interface UsageCostRow {
  state: string;
  created_at: number;
  ended_at: number | null;
  estimated_hourly_usd: number;
  max_estimated_usd: number;
}

export interface LeaseCost {
  live: boolean;
  runtimeSeconds: number;
  estimatedCents: number;
  reservedCents: number;
}

export function isLiveUsage(state: string): boolean {
  return state === "active" || state === "provisioning";
}

export function leaseCost(row: UsageCostRow, now: number): LeaseCost {
  const live = isLiveUsage(row.state);
  const stop = live ? now : (row.ended_at ?? now);
  const runtimeSeconds = Math.max(0, Math.trunc((stop - row.created_at) / 1000));
  const estimatedCents = Math.round((runtimeSeconds / 3600) * row.estimated_hourly_usd * 100);
  const reservedCents = row.max_estimated_usd ? Math.round(row.max_estimated_usd * 100) : estimatedCents;
  return { live, runtimeSeconds, estimatedCents, reservedCents };
}
