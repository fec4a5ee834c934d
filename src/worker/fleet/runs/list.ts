import { RunListQuery, type RunRecord } from "../../../api/runs";
import { toRunRecord } from "../../../projections/records";
import { listRuns } from "../../../projections/runs-queries";
import type { FleetDeps } from "../deps";
import type { Caller } from "../rpc";

/** `GET /v1/runs`: own runs; admins any, with the owner and org filters honoured. */
export const input = RunListQuery;

export function handle(deps: FleetDeps, caller: Caller, query: RunListQuery): RunRecord[] {
  const { identity } = caller;
  return listRuns(deps.sql, {
    owner: identity.admin ? query.owner : identity.owner,
    org: identity.admin ? query.org : identity.org,
    leaseID: query.leaseID || undefined,
    state: query.state || undefined,
    shardGroup: query.shardGroup || undefined,
    limit: query.limit,
  }).map(toRunRecord);
}
