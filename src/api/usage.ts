/**
 * `GET /v1/usage` (docs/api.md#usage). Non-admin callers are always scoped to
 * themselves whatever they ask for.
 */
import { z } from "zod";
import { identifierString } from "./bounds";

export const UsageScope = z.enum(["user", "org", "all"]);
export type UsageScope = z.infer<typeof UsageScope>;

export const UsageQuery = z.object({
  scope: UsageScope.optional(),
  owner: identifierString().optional(),
  org: identifierString().optional(),
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be YYYY-MM")
    .optional(),
});
export type UsageQuery = z.infer<typeof UsageQuery>;

export const UsageGroup = z.object({
  key: z.string(),
  leases: z.number(),
  activeLeases: z.number(),
  runtimeSeconds: z.number(),
  estimatedUSD: z.number(),
  reservedUSD: z.number(),
});
export type UsageGroup = z.infer<typeof UsageGroup>;

export const UsageSummary = z.object({
  month: z.string(),
  scope: UsageScope,
  owner: z.string().optional(),
  org: z.string().optional(),
  leases: z.number(),
  activeLeases: z.number(),
  runtimeSeconds: z.number(),
  estimatedUSD: z.number(),
  reservedUSD: z.number(),
  byOwner: z.array(UsageGroup),
  byOrg: z.array(UsageGroup),
  byProvider: z.array(UsageGroup),
  byServerType: z.array(UsageGroup),
  /**
   * Scope `all` only: ready-pool machines requested this month, one group per
   * `provider/class/region` (docs/api.md#usage). `leases` counts pool machines, `activeLeases`
   * those still costing money, `runtimeSeconds` their time in the pool. Outside the lease totals.
   */
  byPool: z.array(UsageGroup).optional(),
  /** Scope `all` only: what the pools' machines cost this month, beside `estimatedUSD`. */
  poolEstimatedUSD: z.number().optional(),
});
export type UsageSummary = z.infer<typeof UsageSummary>;

/** Configured guardrails; 0 means the limit is off. */
export const CostLimits = z.object({
  maxActiveLeases: z.number(),
  maxActiveLeasesPerOwner: z.number(),
  maxActiveLeasesPerOrg: z.number(),
  maxMonthlyUSD: z.number(),
  maxMonthlyUSDPerOwner: z.number(),
  maxMonthlyUSDPerOrg: z.number(),
});
export type CostLimits = z.infer<typeof CostLimits>;

export const UsageResponse = z.object({ usage: UsageSummary, limits: CostLimits });
export type UsageResponse = z.infer<typeof UsageResponse>;
