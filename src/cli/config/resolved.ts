import type { JobSpec } from "./jobs-schema";

/** The effective configuration after layering; every field has a value. */
export interface ResolvedConfig {
  /** `jobs:` from the config files, by name (docs/cli.md "Jobs"). */
  jobs: Record<string, JobSpec>;
  /** `local` (zero config), `hetzner`, `aws`, `azure`, or `ssh` (static host). */
  provider: string;
  /** True when the provider came from a layer, not from the defaults. */
  providerExplicit: boolean;
  /** Direct mode asked for explicitly (`--direct`, `CRABBOX_DIRECT=1`, `direct: true`). */
  direct: boolean;
  profile: string;
  class: string;
  serverType: string;
  serverTypeExplicit: boolean;
  target: "linux" | "windows" | "macos";
  windowsMode: "normal" | "wsl2";
  ttlMs: number;
  idleTimeoutMs: number;
  workRoot: string;
  broker: { url: string; token: string; adminToken: string; provider: string };
  ssh: {
    user: string;
    port: number;
    fallbackPorts: number[];
    key: string;
    /** Keep one SSH connection to a held lease open in a local holder (docs/sync.md#ssh-connection-holder). */
    holdConnection: boolean;
  };
  sync: {
    /** Configured excludes only; the sync engine always adds its defaults and `.crabboxignore`. */
    exclude: string[];
    delete: boolean;
    timeoutMs: number;
    warnFiles: number;
    warnBytes: number;
    failFiles: number;
    failBytes: number;
    allowLarge: boolean;
    allowMassDeletions: boolean;
    git: boolean;
    baseRef: string;
    massDeletionThreshold: number;
    /** `sync.root`: the directory to sync ("" = the repository around the current directory). */
    root: string;
  };
  env: { allow: string[] };
  capacity: {
    market: "spot" | "on-demand";
    strategy: string;
    fallback: string;
    regions: string[];
    availabilityZones: string[];
    hints: boolean;
  };
  results: { junit: string[]; auto: boolean; failOnFailures: boolean };
  artifacts: { globs: string[]; required: string[]; dir: string };
  /** 0: no cap on `crabbox shard --count`. */
  shard: { maxCount: number };
  static: {
    id: string;
    name: string;
    host: string;
    user: string;
    port: number;
    workRoot: string;
    key: string;
  };
  classes: Record<string, string[]>;
  /** Where each file layer came from, for `config show` and error messages. */
  sources: { user: string; repo: string[] };
}

export const staticProviderNames = ["ssh", "static", "static-ssh"] as const;

export function isStaticProvider(provider: string): boolean {
  return (staticProviderNames as readonly string[]).includes(provider);
}

export function hasCoordinator(config: ResolvedConfig): boolean {
  return config.broker.url !== "";
}
