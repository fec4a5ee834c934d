/**
 * `GET /v1/usage` (docs/api.md#usage) from the `lease_usage` projection: leases created in a
 * UTC month, optionally one owner's or one org's, summarised with runtime up to `now` for live
 * leases. Each lease's money is rounded to whole cents (usage-cost.ts) and added in cents.
 */
import { leaseCost } from "./usage-cost";

export interface UsageGroup {
  key: string;
  leases: number;
  activeLeases: number;
  runtimeSeconds: number;
  estimatedUSD: number;
  reservedUSD: number;
}

export interface UsageSummary extends Omit<UsageGroup, "key"> {
  month: string;
  scope: "user" | "org" | "all";
  owner?: string;
  org?: string;
  byOwner: UsageGroup[];
  byOrg: UsageGroup[];
  byProvider: UsageGroup[];
  byServerType: UsageGroup[];
}

export interface UsageQuery {
  month: string;
  scope: "user" | "org" | "all";
  owner?: string;
  org?: string;
  now: number;
}

interface UsageRow extends Record<string, SqlStorageValue> {
  lease_id: string;
  owner: string;
  org: string;
  provider: string;
  server_type: string;
  state: string;
  created_at: number;
  ended_at: number | null;
  estimated_hourly_usd: number;
  max_estimated_usd: number;
}

interface RollupRow extends Record<string, SqlStorageValue> {
  owner: string;
  org: string;
  provider: string;
  server_type: string;
  leases: number;
  runtime_seconds: number;
  estimated_cents: number;
  reserved_cents: number;
}

/** One lease's (or one roll-up group's) figures, in cents. */
interface Contribution {
  leases: number;
  active: number;
  runtimeSeconds: number;
  estimatedCents: number;
  reservedCents: number;
}

interface CentGroup extends Contribution {
  key: string;
}

function addTo(group: Contribution, c: Contribution): void {
  group.leases += c.leases;
  group.active += c.active;
  group.runtimeSeconds += c.runtimeSeconds;
  group.estimatedCents += c.estimatedCents;
  group.reservedCents += c.reservedCents;
}

/** Cents to the wire's dollars, for a group and (without the key) for the whole summary. */
function inDollars(g: Contribution): Omit<UsageGroup, "key"> {
  return {
    leases: g.leases,
    activeLeases: g.active,
    runtimeSeconds: g.runtimeSeconds,
    estimatedUSD: g.estimatedCents / 100,
    reservedUSD: g.reservedCents / 100,
  };
}

function toGroup(g: CentGroup): UsageGroup {
  return { key: g.key, ...inDollars(g) };
}

function sortGroups(groups: Map<string, CentGroup>): UsageGroup[] {
  return [...groups.values()]
    .map(toGroup)
    .sort((a, b) => b.reservedUSD - a.reservedUSD || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The scope's condition on `owner`/`org`: a user is an owner within an org (docs/api.md, "Usage"). */
function scopeClause(query: Pick<UsageQuery, "scope" | "owner" | "org">): {
  where: string;
  bindings: string[];
} {
  if (query.scope === "user" && query.owner !== undefined && query.org !== undefined)
    return { where: " AND owner = ? AND org = ?", bindings: [query.owner, query.org] };
  if (query.scope === "user" && query.owner !== undefined)
    return { where: " AND owner = ?", bindings: [query.owner] };
  if (query.scope === "org" && query.org !== undefined)
    return { where: " AND org = ?", bindings: [query.org] };
  return { where: "", bindings: [] };
}

/** The month's live leases in scope (the ended ones are in the roll-up). */
export function usageRows(
  sql: SqlStorage,
  query: Pick<UsageQuery, "month" | "scope" | "owner" | "org">,
): UsageRow[] {
  const scope = scopeClause(query);
  return sql
    .exec<UsageRow>(
      `SELECT * FROM lease_usage WHERE month = ? AND state IN ('active', 'provisioning')${scope.where}`,
      query.month,
      ...scope.bindings,
    )
    .toArray();
}

/** The month's ended leases in scope, summed per owner, org, provider and server type. */
function rollupRows(
  sql: SqlStorage,
  query: Pick<UsageQuery, "month" | "scope" | "owner" | "org">,
): RollupRow[] {
  const scope = scopeClause(query);
  return sql
    .exec<RollupRow>(
      `SELECT * FROM usage_months WHERE month = ?${scope.where}`,
      query.month,
      ...scope.bindings,
    )
    .toArray();
}

/**
 * The live leases' figures up to `now`, plus the month's roll-up of the ended ones: no read
 * grows with the number of leases that ever ran (docs/event-log.md#usage-roll-up).
 */
export function usageSummary(sql: SqlStorage, query: UsageQuery): UsageSummary {
  const total: Contribution = {
    leases: 0,
    active: 0,
    runtimeSeconds: 0,
    estimatedCents: 0,
    reservedCents: 0,
  };
  const groups = {
    owner: new Map<string, CentGroup>(),
    org: new Map<string, CentGroup>(),
    provider: new Map<string, CentGroup>(),
    serverType: new Map<string, CentGroup>(),
  };
  const count = (row: Pick<UsageRow, "owner" | "org" | "provider" | "server_type">, c: Contribution) => {
    addTo(total, c);
    for (const [name, key] of [
      ["owner", row.owner],
      ["org", row.org],
      ["provider", row.provider],
      ["serverType", row.server_type],
    ] as const) {
      const map = groups[name];
      const k = key || "unknown";
      const group = map.get(k) ?? {
        key: k,
        leases: 0,
        active: 0,
        runtimeSeconds: 0,
        estimatedCents: 0,
        reservedCents: 0,
      };
      addTo(group, c);
      map.set(k, group);
    }
  };
  for (const row of usageRows(sql, query)) {
    const cost = leaseCost(row, query.now);
    count(row, { leases: 1, active: 1, ...cost });
  }
  for (const row of rollupRows(sql, query)) {
    count(row, {
      leases: row.leases,
      active: 0,
      runtimeSeconds: row.runtime_seconds,
      estimatedCents: row.estimated_cents,
      reservedCents: row.reserved_cents,
    });
  }
  const summary: UsageSummary = {
    month: query.month,
    scope: query.scope,
    ...inDollars(total),
    byOwner: sortGroups(groups.owner),
    byOrg: sortGroups(groups.org),
    byProvider: sortGroups(groups.provider),
    byServerType: sortGroups(groups.serverType),
  };
  if (query.owner !== undefined) summary.owner = query.owner;
  if (query.org !== undefined) summary.org = query.org;
  return summary;
}
