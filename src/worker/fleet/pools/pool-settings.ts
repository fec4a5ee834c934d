import { z } from "zod";
import { classNamesOf } from "../../../providers/class-names";
import { poolAgentSecretVariable } from "../../../providers/pool-agent/client";
import { type ProviderName, providerNames } from "../../../providers/provider";

/**
 * Ready pools configured on the coordinator (docs/api.md#ready-pools): `CRABBOX_POOLS` is a
 * JSON array, one entry per provider/class/region. A malformed value configures no pool and
 * is reported by `GET /v1/pool` as `poolConfigError` (the coordinator keeps serving leases).
 */
export interface PoolSetting {
  provider: ProviderName;
  class: string;
  /** `""`: the provider's default region. */
  region: string;
  /** Machines kept ready (or on their way) at all times. */
  min: number;
  /** At most this many ready or provisioning machines at once. */
  max: number;
  /** A ready machine unclaimed this long is deleted (and replaced while below `min`). */
  maxReadyAgeMs: number;
}

export interface PoolSettings {
  pools: PoolSetting[];
  error?: string;
}

const entry = z
  .object({
    provider: z.enum(providerNames as unknown as [ProviderName, ...ProviderName[]]),
    target: z
      .literal("linux", {
        message:
          "pool machines are Linux only: Windows machines run no pool agent (docs/providers.md#ready-pools)",
      })
      .default("linux"),
    class: z.string().trim().min(1).max(64).default("beast"),
    region: z.string().trim().max(64).default(""),
    min: z.number().int().min(0).max(100),
    max: z.number().int().min(1).max(100),
    maxReadyAgeSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(3600),
  })
  .strict()
  .refine((p) => p.max >= p.min, { message: "max must be at least min", path: ["max"] });

/** Cloud providers whose Linux pool machines run the pool agent (docs/providers.md#ready-pools). */
export const agentPoolProviders: readonly ProviderName[] = ["hetzner", "azure"];

/** Providers that implement `authorizeKey` and `isReady` (docs/providers.md#ready-pools). */
export const poolProviders: readonly ProviderName[] = ["local", ...agentPoolProviders];

/** Why a provider cannot keep pools, when it is not just "no hand-over". */
const notPoolable: Partial<Record<ProviderName, string>> = {
  aws: "an AWS lease admits SSH only from its own CIDRs, which a pool machine cannot know before its claim",
};

function settingsError(pools: z.infer<typeof entry>[], env: Record<string, unknown>): string | undefined {
  for (const [i, p] of pools.entries()) {
    if (!poolProviders.includes(p.provider)) {
      const why =
        notPoolable[p.provider] ?? "ready pools need a provider that can hand a machine to a lease key";
      return `CRABBOX_POOLS.${i}.provider: ${why}; only ${poolProviders.join(", ")} can yet (docs/providers.md#ready-pools)`;
    }
    if (!classNamesOf(p.provider, "linux").includes(p.class)) {
      return `CRABBOX_POOLS.${i}.class: ${p.class} is not a Linux class of ${p.provider}; use one of ${classNamesOf(p.provider, "linux").join(", ")}`;
    }
    const secret = env[poolAgentSecretVariable];
    if (agentPoolProviders.includes(p.provider) && (typeof secret !== "string" || secret.trim() === "")) {
      return `CRABBOX_POOLS.${i}.provider: ready pools on ${p.provider} need the ${poolAgentSecretVariable} secret (docs/deploy.md)`;
    }
  }
  return undefined;
}

export function poolKey(pool: { provider: string; class: string; region: string }): string {
  return `${pool.provider}/${pool.class}/${pool.region}`;
}

export function poolSettings(env: Record<string, unknown>): PoolSettings {
  const raw = env.CRABBOX_POOLS;
  if (raw === undefined || raw === "") return { pools: [] };
  let json: unknown;
  try {
    json = JSON.parse(String(raw));
  } catch {
    return { pools: [], error: "CRABBOX_POOLS: not valid JSON" };
  }
  const parsed = z.array(entry).max(32).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      pools: [],
      error: `CRABBOX_POOLS.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`,
    };
  }
  const error = settingsError(parsed.data, env);
  if (error) return { pools: [], error };
  const seen = new Set<string>();
  const pools: PoolSetting[] = [];
  for (const p of parsed.data) {
    const setting = {
      provider: p.provider,
      class: p.class,
      region: p.region,
      min: p.min,
      max: p.max,
      maxReadyAgeMs: p.maxReadyAgeSeconds * 1000,
    };
    if (seen.has(poolKey(setting)))
      return { pools: [], error: `CRABBOX_POOLS: pool ${poolKey(setting)} is listed twice` };
    seen.add(poolKey(setting));
    pools.push(setting);
  }
  return { pools };
}
