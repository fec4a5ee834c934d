/**
 * `GET /v1/usage` (docs/api.md#usage) from the `lease_usage` projection: leases created in a
 * UTC month, optionally one owner's or one org's, summarised with runtime up to `now` for live
 * leases. Money is rounded to cents at each addition.
 */
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

const round2 = (n: number) => Math.round(n * 100) / 100;

function emptyGroup(key: string): UsageGroup {
  return { key, leases: 0, activeLeases: 0, runtimeSeconds: 0, estimatedUSD: 0, reservedUSD: 0 };
}

function add(
  group: Omit<UsageGroup, "key">,
  runtime: number,
  estimated: number,
  reserved: number,
  active: boolean,
): void {
  group.leases += 1;
  if (active) group.activeLeases += 1;
  group.runtimeSeconds += runtime;
  group.estimatedUSD = round2(group.estimatedUSD + estimated);
  group.reservedUSD = round2(group.reservedUSD + reserved);
}

function sortGroups(groups: Map<string, UsageGroup>): UsageGroup[] {
  return [...groups.values()].sort(
    (a, b) => b.reservedUSD - a.reservedUSD || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

export function usageRows(
  sql: SqlStorage,
  query: Pick<UsageQuery, "month" | "scope" | "owner" | "org">,
): UsageRow[] {
  // A user is an owner within an org, exactly as leases and runs are scoped: the same owner
  // name under another org is someone else (docs/api.md, "Usage").
  if (query.scope === "user" && query.owner !== undefined && query.org !== undefined) {
    return sql
      .exec<UsageRow>(
        "SELECT * FROM lease_usage WHERE month = ? AND owner = ? AND org = ?",
        query.month,
        query.owner,
        query.org,
      )
      .toArray();
  }
  if (query.scope === "user" && query.owner !== undefined) {
    return sql
      .exec<UsageRow>("SELECT * FROM lease_usage WHERE month = ? AND owner = ?", query.month, query.owner)
      .toArray();
  }
  if (query.scope === "org" && query.org !== undefined) {
    return sql
      .exec<UsageRow>("SELECT * FROM lease_usage WHERE month = ? AND org = ?", query.month, query.org)
      .toArray();
  }
  return sql.exec<UsageRow>("SELECT * FROM lease_usage WHERE month = ?", query.month).toArray();
}

export function usageSummary(sql: SqlStorage, query: UsageQuery): UsageSummary {
  const summary: UsageSummary = {
    month: query.month,
    scope: query.scope,
    leases: 0,
    activeLeases: 0,
    runtimeSeconds: 0,
    estimatedUSD: 0,
    reservedUSD: 0,
    byOwner: [],
    byOrg: [],
    byProvider: [],
    byServerType: [],
  };
  if (query.owner !== undefined) summary.owner = query.owner;
  if (query.org !== undefined) summary.org = query.org;
  const groups = {
    owner: new Map<string, UsageGroup>(),
    org: new Map(),
    provider: new Map(),
    serverType: new Map(),
  };
  for (const row of usageRows(sql, query)) {
    const live = row.state === "active" || row.state === "provisioning";
    const stop = live ? query.now : (row.ended_at ?? query.now);
    const runtime = Math.max(0, Math.trunc((stop - row.created_at) / 1000));
    const estimated = round2((runtime / 3600) * row.estimated_hourly_usd);
    const reserved = round2(row.max_estimated_usd || estimated);
    add(summary, runtime, estimated, reserved, live);
    for (const [name, key] of [
      ["owner", row.owner],
      ["org", row.org],
      ["provider", row.provider],
      ["serverType", row.server_type],
    ] as const) {
      const map = groups[name] as Map<string, UsageGroup>;
      const k = key || "unknown";
      const group = map.get(k) ?? emptyGroup(k);
      add(group, runtime, estimated, reserved, live);
      map.set(k, group);
    }
  }
  summary.byOwner = sortGroups(groups.owner);
  summary.byOrg = sortGroups(groups.org);
  summary.byProvider = sortGroups(groups.provider);
  summary.byServerType = sortGroups(groups.serverType);
  return summary;
}
