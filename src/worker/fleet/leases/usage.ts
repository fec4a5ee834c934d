import { UsageQuery, type UsageResponse } from "../../../api/usage";
import { costLimitsFromEnv, monthKey } from "../../../domain/cost";
import { usageSummary } from "../../../projections/usage-queries";
import type { FleetDeps } from "../deps";
import { poolUsage } from "../pools/pool-usage";
import type { Caller } from "../rpc";

/**
 * `GET /v1/usage` (docs/api.md#usage): a month of leases summarised by owner, org, provider and
 * server type, with the configured guardrails. Non-admins always get their own (owner and org)
 * whatever they ask for; admins choose the scope, defaulting to themselves. Scope `all` also
 * shows the ready pools' machine time (a ready machine costs money).
 */
/** @public The use case's input schema, as every use case names it (docs/design.md). */
export const input = UsageQuery;

export function handle(deps: FleetDeps, caller: Caller, query: UsageQuery): UsageResponse {
  const { identity } = caller;
  const now = deps.now();
  const scope = identity.admin ? (query.scope ?? "user") : "user";
  const owner = identity.admin ? (query.owner ?? identity.owner) : identity.owner;
  const org = identity.admin ? (query.org ?? identity.org) : identity.org;
  const month = query.month ?? monthKey(now);
  const summary = usageSummary(deps.sql, { month, scope, owner, org, now });
  if (scope === "all") Object.assign(summary, poolUsage(deps, month, now));
  return { usage: summary, limits: costLimitsFromEnv(deps.env) };
}
