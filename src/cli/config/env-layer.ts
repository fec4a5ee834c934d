import type { ConfigLayer } from "./schema";

type Env = Record<string, string | undefined>;

function bool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  return undefined;
}

function int(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function csv(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (value.trim().toLowerCase() === "none") return [];
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function defined<T extends object>(obj: T): Partial<T> | undefined {
  const entries = Object.entries(obj).filter(([, v]) => v !== undefined && v !== "");
  return entries.length ? (Object.fromEntries(entries) as Partial<T>) : undefined;
}

/** The environment as one config layer (above files, below flags). */
export function envLayer(env: Env): ConfigLayer {
  const layer: ConfigLayer = {};
  const set = <K extends keyof ConfigLayer>(key: K, value: ConfigLayer[K] | undefined) => {
    if (value !== undefined && value !== "") layer[key] = value;
  };
  set("provider", env.CRABBOX_PROVIDER);
  set("direct", bool(env.CRABBOX_DIRECT));
  set("profile", env.CRABBOX_PROFILE);
  set("class", env.CRABBOX_DEFAULT_CLASS);
  set("serverType", env.CRABBOX_SERVER_TYPE);
  set("target", env.CRABBOX_TARGET ?? env.CRABBOX_TARGET_OS);
  set("ttl", env.CRABBOX_TTL);
  set("idleTimeout", env.CRABBOX_IDLE_TIMEOUT);
  set("workRoot", env.CRABBOX_WORK_ROOT);
  if (env.CRABBOX_WINDOWS_MODE) layer.windows = { mode: env.CRABBOX_WINDOWS_MODE };
  set(
    "broker",
    defined({
      url: env.CRABBOX_COORDINATOR,
      token: env.CRABBOX_COORDINATOR_TOKEN,
      adminToken: env.CRABBOX_COORDINATOR_ADMIN_TOKEN ?? env.CRABBOX_ADMIN_TOKEN,
    }),
  );
  const fallbackPorts = csv(env.CRABBOX_SSH_FALLBACK_PORTS);
  set(
    "ssh",
    defined({
      user: env.CRABBOX_SSH_USER,
      key: env.CRABBOX_SSH_KEY,
      port: env.CRABBOX_SSH_PORT,
      fallbackPorts,
      holdConnection: bool(env.CRABBOX_HOLD_CONNECTION),
    }),
  );
  set(
    "sync",
    defined({
      timeout: env.CRABBOX_SYNC_TIMEOUT,
      warnFiles: int(env.CRABBOX_SYNC_WARN_FILES),
      warnBytes: int(env.CRABBOX_SYNC_WARN_BYTES),
      failFiles: int(env.CRABBOX_SYNC_FAIL_FILES),
      failBytes: int(env.CRABBOX_SYNC_FAIL_BYTES),
      allowLarge: bool(env.CRABBOX_SYNC_ALLOW_LARGE),
      delete: bool(env.CRABBOX_SYNC_DELETE),
      allowMassDeletions: bool(env.CRABBOX_ALLOW_MASS_DELETIONS),
      git: bool(env.CRABBOX_SYNC_GIT),
      baseRef: env.CRABBOX_SYNC_BASE_REF,
      root: env.CRABBOX_SYNC_ROOT,
    }),
  );
  const allow = csv(env.CRABBOX_ENV_ALLOW);
  if (allow) layer.env = { allow };
  set(
    "capacity",
    defined({
      market: env.CRABBOX_CAPACITY_MARKET as "spot" | "on-demand" | undefined,
      strategy: env.CRABBOX_CAPACITY_STRATEGY,
      fallback: env.CRABBOX_CAPACITY_FALLBACK,
      regions: csv(env.CRABBOX_CAPACITY_REGIONS),
      availabilityZones: csv(env.CRABBOX_CAPACITY_AVAILABILITY_ZONES),
      hints: bool(env.CRABBOX_CAPACITY_HINTS),
    }),
  );
  const junit = csv(env.CRABBOX_RESULTS_JUNIT);
  const failOnFailures = bool(env.CRABBOX_RESULTS_FAIL_ON_FAILURES);
  const auto = bool(env.CRABBOX_RESULTS_AUTO);
  if (junit || failOnFailures !== undefined || auto !== undefined)
    layer.results = {
      ...(junit ? { junit } : {}),
      ...(auto !== undefined ? { auto } : {}),
      ...(failOnFailures !== undefined ? { failOnFailures } : {}),
    };
  set(
    "static",
    defined({
      id: env.CRABBOX_STATIC_ID,
      name: env.CRABBOX_STATIC_NAME,
      host: env.CRABBOX_STATIC_HOST,
      user: env.CRABBOX_STATIC_USER,
      port: env.CRABBOX_STATIC_PORT,
      workRoot: env.CRABBOX_STATIC_WORK_ROOT,
    }),
  );
  return layer;
}
