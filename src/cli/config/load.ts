import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse } from "yaml";
import { CrabboxError } from "../../errors";
import { parseDuration } from "./duration";
import { envLayer } from "./env-layer";
import { mergeLayers } from "./merge";
import { repoConfigNames, userConfigPath } from "./paths";
import type { ResolvedConfig } from "./resolved";
import { type ConfigFile, type ConfigLayer, fileSchema } from "./schema";

type Env = Record<string, string | undefined>;

const defaults = {
  profile: "default",
  class: "beast",
  target: "linux",
  windowsMode: "normal",
  ttl: "90m",
  idleTimeout: "30m",
  workRoot: "/work/crabbox",
  ssh: { user: "crabbox", port: 2222, fallbackPorts: [22] },
  sync: {
    timeout: "15m",
    warnFiles: 50_000,
    warnBytes: 5 * 1024 ** 3,
    failFiles: 150_000,
    failBytes: 20 * 1024 ** 3,
  },
  env: { allow: ["CI", "NODE_OPTIONS"] },
  capacity: { market: "spot", strategy: "most-available", fallback: "on-demand-after-120s" },
} as const;

export interface LoadOptions {
  env: Env;
  cwd: string;
  /** Explicitly given command-line flags: the top layer. */
  flags?: ConfigLayer;
}

/** Reads and validates one YAML file; a missing file is an empty layer. */
export function readConfigFile(path: string): ConfigFile {
  if (!existsSync(path)) return {};
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new CrabboxError("config", `cannot parse ${path}: ${(error as Error).message}`, { path });
  }
  if (raw === null || raw === undefined) return {};
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join(".") || "(top level)";
    const what =
      issue.code === "unrecognized_keys"
        ? `unknown key ${issue.keys.join(", ")}`
        : issue.message.toLowerCase();
    throw new CrabboxError("config", `${path}: ${field}: ${what}`, { path, field });
  }
  return result.data;
}

const secretKeyPattern = /token|secret|password|private/i;

/**
 * Repo config is shared through git: it may shape the work, never carry credentials nor
 * redirect them. A broker section there could send the user's token to a server the repo
 * chose, so it is refused as firmly as a token.
 */
export function assertNoSecretsInRepoConfig(path: string, file: ConfigFile): void {
  const walk = (value: unknown, trail: string[]): void => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const here = [...trail, key];
      if (secretKeyPattern.test(key)) {
        throw new CrabboxError(
          "config",
          `${path} sets ${here.join(".")}: secrets never belong in a repo config. Remove it and run ` +
            "`crabbox login` (or `crabbox config set-broker --url <url> --token-stdin`), which stores it in your user config.",
          { path, field: here.join(".") },
        );
      }
      walk(child, here);
    }
  };
  walk(file, []);
  const layers = [file, ...Object.values(file.profiles ?? {})];
  if (layers.some((layer) => layer.broker !== undefined)) {
    throw new CrabboxError(
      "config",
      `${path} has a broker section: the coordinator is a per-user setting (it receives your token). ` +
        "Move it to your user config with `crabbox config set-broker --url <url>`.",
      { path, field: "broker" },
    );
  }
}

/** Repo config files: the first directory from `cwd` up to the git root that has any. */
export function findRepoConfigFiles(cwd: string): string[] {
  let dir = resolve(cwd);
  for (;;) {
    const found = repoConfigNames.map((name) => join(dir, name)).filter((path) => existsSync(path));
    if (found.length) return found;
    if (existsSync(join(dir, ".git"))) return [];
    const parent = dirname(dir);
    if (parent === dir) return [];
    dir = parent;
  }
}

function port(raw: string | number | undefined, field: string, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new CrabboxError("config", `${field}: "${raw}" is not a TCP port (1-65535)`, { field });
  }
  return n;
}

function normalizeTarget(raw: string): ResolvedConfig["target"] {
  const value = raw.trim().toLowerCase();
  if (["linux", "ubuntu"].includes(value)) return "linux";
  if (["windows", "win"].includes(value)) return "windows";
  if (["macos", "mac", "darwin", "osx"].includes(value)) return "macos";
  throw new CrabboxError("config", `target: "${raw}" is not one of linux, windows, macos`, {
    field: "target",
  });
}

function normalizeWindowsMode(raw: string): ResolvedConfig["windowsMode"] {
  const value = raw.trim().toLowerCase();
  if (["normal", "native", "powershell", "ps"].includes(value)) return "normal";
  if (["wsl2", "wsl"].includes(value)) return "wsl2";
  throw new CrabboxError("config", `windows.mode: "${raw}" is not one of normal, wsl2`, {
    field: "windows.mode",
  });
}

export function loadConfig(options: LoadOptions): ResolvedConfig {
  const userPath = userConfigPath(options.env);
  const userFile = readConfigFile(userPath);
  const repoPaths = findRepoConfigFiles(options.cwd);
  const repoFiles = repoPaths.map((path) => {
    const file = readConfigFile(path);
    assertNoSecretsInRepoConfig(path, file);
    return file;
  });
  const env = envLayer(options.env);
  const flags = options.flags ?? {};

  const fileLayers: ConfigFile[] = [userFile, ...repoFiles];
  let merged: ConfigLayer = {};
  const jobs: ResolvedConfig["jobs"] = {};
  for (const file of fileLayers) {
    const { profiles: _profiles, jobs: fileJobs, ...layer } = file;
    merged = mergeLayers(merged, layer);
    Object.assign(jobs, fileJobs);
  }
  const profile = flags.profile ?? env.profile ?? merged.profile ?? defaults.profile;
  for (const file of fileLayers) {
    const overlay = file.profiles?.[profile];
    if (overlay) merged = mergeLayers(merged, overlay);
  }
  const profileKnown = profile === defaults.profile || fileLayers.some((f) => f.profiles?.[profile]);
  if (!profileKnown && fileLayers.some((f) => f.profiles && Object.keys(f.profiles).length > 0)) {
    const names = [...new Set(fileLayers.flatMap((f) => Object.keys(f.profiles ?? {})))].join(", ");
    throw new CrabboxError("config", `profile "${profile}" is not defined; known profiles: ${names}`, {
      field: "profile",
    });
  }
  merged = mergeLayers(mergeLayers(merged, env), flags);
  return { ...resolveLayer(merged, profile, { user: userPath, repo: repoPaths }), jobs };
}

export function resolveLayer(
  layer: ConfigLayer,
  profile: string,
  sources: ResolvedConfig["sources"],
): Omit<ResolvedConfig, "jobs"> {
  const classes: Record<string, string[]> = {};
  for (const [name, types] of Object.entries(layer.classes ?? {})) {
    classes[name] = Array.isArray(types) ? types : [types];
  }
  const cls = layer.class ?? defaults.class;
  const classType = classes[cls]?.[0];
  const serverType = layer.serverType ?? classType ?? "";
  const target = normalizeTarget(layer.target ?? defaults.target);
  const windowsMode = normalizeWindowsMode(layer.windows?.mode ?? defaults.windowsMode);
  if (windowsMode === "wsl2" && target !== "windows") {
    throw new CrabboxError("config", "windows.mode wsl2 needs target windows", { field: "windows.mode" });
  }
  const sshPort = port(layer.ssh?.port, "ssh.port", defaults.ssh.port);
  const provider = (layer.provider ?? "").trim().toLowerCase();
  return {
    provider: provider || "local",
    providerExplicit: provider !== "",
    direct: layer.direct ?? false,
    profile,
    class: cls,
    serverType,
    serverTypeExplicit: layer.serverType !== undefined,
    target,
    windowsMode,
    ttlMs: parseDuration(String(layer.ttl ?? defaults.ttl), "ttl"),
    idleTimeoutMs: parseDuration(String(layer.idleTimeout ?? defaults.idleTimeout), "idleTimeout"),
    workRoot:
      layer.workRoot ??
      (target === "windows" && windowsMode === "normal" ? "C:\\crabbox" : defaults.workRoot),
    broker: {
      url: (layer.broker?.url ?? "").replace(/\/+$/, ""),
      token: layer.broker?.token ?? "",
      adminToken: layer.broker?.adminToken ?? "",
      provider: layer.broker?.provider ?? "",
    },
    ssh: {
      user: layer.ssh?.user ?? defaults.ssh.user,
      port: sshPort,
      fallbackPorts: (layer.ssh?.fallbackPorts ?? defaults.ssh.fallbackPorts.map(String))
        .map((p) => port(p, "ssh.fallbackPorts", 22))
        .filter((p) => p !== sshPort),
      key: layer.ssh?.key ?? "",
      holdConnection: layer.ssh?.holdConnection ?? false,
    },
    sync: {
      exclude: [...new Set(layer.sync?.exclude ?? [])],
      delete: layer.sync?.delete ?? true,
      timeoutMs: parseDuration(String(layer.sync?.timeout ?? defaults.sync.timeout), "sync.timeout"),
      warnFiles: layer.sync?.warnFiles ?? defaults.sync.warnFiles,
      warnBytes: layer.sync?.warnBytes ?? defaults.sync.warnBytes,
      failFiles: layer.sync?.failFiles ?? defaults.sync.failFiles,
      failBytes: layer.sync?.failBytes ?? defaults.sync.failBytes,
      allowLarge: layer.sync?.allowLarge ?? false,
      allowMassDeletions: layer.sync?.allowMassDeletions ?? false,
      git: layer.sync?.git ?? true,
      baseRef: layer.sync?.baseRef ?? "",
      massDeletionThreshold: layer.sync?.massDeletionThreshold ?? 200,
      root: layer.sync?.root ?? "",
    },
    env: { allow: layer.env?.allow ?? [...defaults.env.allow] },
    capacity: {
      market: layer.capacity?.market ?? defaults.capacity.market,
      strategy: layer.capacity?.strategy ?? defaults.capacity.strategy,
      fallback: layer.capacity?.fallback ?? defaults.capacity.fallback,
      regions: layer.capacity?.regions ?? [],
      availabilityZones: layer.capacity?.availabilityZones ?? [],
      hints: layer.capacity?.hints ?? true,
    },
    results: {
      junit: layer.results?.junit ?? [],
      auto: layer.results?.auto ?? false,
      failOnFailures: layer.results?.failOnFailures ?? false,
    },
    artifacts: {
      globs: layer.artifacts?.globs ?? [],
      required: layer.artifacts?.required ?? [],
      dir: layer.artifacts?.dir ?? "",
    },
    shard: { maxCount: layer.shard?.maxCount ?? 0 },
    static: {
      id: layer.static?.id ?? "",
      name: layer.static?.name ?? "",
      host: layer.static?.host ?? "",
      user: layer.static?.user ?? layer.ssh?.user ?? defaults.ssh.user,
      port: port(layer.static?.port, "static.port", layer.ssh?.port !== undefined ? sshPort : 22),
      workRoot: layer.static?.workRoot ?? layer.workRoot ?? defaults.workRoot,
      key: layer.static?.key ?? layer.ssh?.key ?? "",
    },
    classes,
    sources,
  };
}
