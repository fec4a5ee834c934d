import { type ResolvedConfig, userConfigPath } from "../../config";
import { kv, printJson } from "../../output/print";
import { DEFAULT_EXCLUDES } from "../../sync/excludes";
import { CrabboxCommand, jsonOption } from "../base";
import { Command } from "../clipanion";

function tokenState(token: string): "configured" | "missing" {
  return token ? "configured" : "missing";
}

/** The merged config with every secret reduced to configured/missing. */
export function redactedConfig(config: ResolvedConfig, configPath: string) {
  return {
    config: configPath,
    repoConfig: config.sources.repo,
    provider: config.provider,
    profile: config.profile,
    class: config.class,
    serverType: config.serverType,
    serverTypeExplicit: config.serverTypeExplicit,
    target: config.target,
    windowsMode: config.windowsMode,
    ttlSeconds: Math.round(config.ttlMs / 1000),
    idleTimeoutSeconds: Math.round(config.idleTimeoutMs / 1000),
    workRoot: config.workRoot,
    coordinator: config.broker.url,
    brokerAuth: tokenState(config.broker.token),
    brokerAdminAuth: tokenState(config.broker.adminToken),
    ssh: config.ssh,
    sync: {
      ...config.sync,
      exclude: [...DEFAULT_EXCLUDES, ...config.sync.exclude],
      timeoutSeconds: Math.round(config.sync.timeoutMs / 1000),
      timeoutMs: undefined,
    },
    env: config.env,
    capacity: config.capacity,
    results: config.results,
    artifacts: config.artifacts,
    static: config.static,
    classes: config.classes,
  };
}

export class ConfigShowCommand extends CrabboxCommand {
  static override paths = [["config", "show"]];
  static override usage = Command.Usage({
    description:
      "Show the effective config (flags > env > repo > user > defaults); secrets shown as configured/missing",
  });
  json = jsonOption();

  async execute(): Promise<number> {
    const config = this.loadConfig();
    const view = redactedConfig(config, userConfigPath(this.env));
    if (this.json) {
      printJson(this.context.stdout, view);
      return 0;
    }
    this.out(`config=${view.config}${view.repoConfig.length ? ` repo=${view.repoConfig.join(",")}` : ""}`);
    this.out(
      kv({
        provider: view.provider,
        target: view.target,
        windows_mode: view.windowsMode,
        class: view.class,
        type: view.serverType,
        profile: view.profile,
      }),
    );
    this.out(kv({ broker: view.coordinator, auth: view.brokerAuth, admin_auth: view.brokerAdminAuth }));
    this.out(
      kv({
        ssh: `${config.ssh.user}@-:${config.ssh.port}`,
        fallback_ports: config.ssh.fallbackPorts.join(","),
        key: config.ssh.key || "per-lease",
      }),
    );
    this.out(
      kv({
        ttl: `${view.ttlSeconds}s`,
        idle_timeout: `${view.idleTimeoutSeconds}s`,
        workroot: view.workRoot,
      }),
    );
    this.out(
      `sync ${kv({ delete: config.sync.delete, excludes: view.sync.exclude.length, timeout: `${view.sync.timeoutSeconds}s`, warn_files: config.sync.warnFiles, fail_files: config.sync.failFiles, allow_large: config.sync.allowLarge })}`,
    );
    this.out(`env ${kv({ allow: config.env.allow.join(",") })}`);
    this.out(
      `capacity ${kv({ market: config.capacity.market, strategy: config.capacity.strategy, fallback: config.capacity.fallback, regions: config.capacity.regions.join(","), hints: config.capacity.hints })}`,
    );
    if (config.static.host) {
      this.out(
        `static ${kv({ host: config.static.host, user: config.static.user, port: config.static.port, workroot: config.static.workRoot })}`,
      );
    }
    this.out(
      `results ${kv({ junit: config.results.junit.join(","), auto: config.results.auto, fail_on_failures: config.results.failOnFailures })}`,
    );
    if (config.artifacts.globs.length || config.artifacts.required.length) {
      this.out(
        `artifacts ${kv({ globs: config.artifacts.globs.join(","), required: config.artifacts.required.join(","), dir: config.artifacts.dir })}`,
      );
    }
    return 0;
  }
}
