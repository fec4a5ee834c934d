import { providerNames } from "../../providers/names";
import type { ConfigLayer, ResolvedConfig } from "../config";
import type { RunIO } from "../run/flow-types";
import { resolveSyncRoot } from "../sync/root";
import { CrabboxCommand } from "./base";
import { Option } from "./clipanion";

/** Flags shared by the commands that lease a machine (`warmup`, `run`): the top config layer. */
export abstract class LeaseCreateCommand extends CrabboxCommand {
  provider = Option.String("--provider", {
    description: `${providerNames.join(", ")}, or ssh (static host)`,
  });
  direct = Option.Boolean("--direct", false, {
    description: "Provision with local cloud credentials even when a coordinator is configured",
  });
  profile = Option.String("--profile", { description: "A profile from crabbox.yaml" });
  class = Option.String("--class", {
    description: "Machine class: standard, fast, large, beast or one from config",
  });
  type = Option.String("--type", { description: "Exact provider server type (no class fallback)" });
  market = Option.String("--market", { description: "spot or on-demand" });
  ttl = Option.String("--ttl", { description: "Hard lifetime, e.g. 90m" });
  idleTimeout = Option.String("--idle-timeout", {
    description: "Released after this long without use, e.g. 30m",
  });
  target = Option.String("--target", { description: "linux, windows or macos" });
  windowsMode = Option.String("--windows-mode", { description: "normal or wsl2 (target windows)" });
  timingJson = Option.String("--timing-json", {
    tolerateBoolean: true,
    description: "Phase timings as one JSON line on stderr, or --timing-json=<file> to write them there",
  });

  protected override flagLayer(): ConfigLayer {
    const layer: ConfigLayer = {};
    if (this.provider) layer.provider = this.provider;
    if (this.direct) layer.direct = true;
    if (this.profile) layer.profile = this.profile;
    if (this.class) layer.class = this.class;
    if (this.type) layer.serverType = this.type;
    if (this.market) layer.capacity = { market: this.market as "spot" | "on-demand" };
    if (this.ttl) layer.ttl = this.ttl;
    if (this.idleTimeout) layer.idleTimeout = this.idleTimeout;
    if (this.target) layer.target = this.target;
    if (this.windowsMode) layer.windows = { mode: this.windowsMode };
    return layer;
  }

  /**
   * Where a run, job, watch or shard of this invocation happens and where its output goes;
   * `configMs` is how long loading the configuration took (the timing's config phase).
   */
  protected runIO(config: ResolvedConfig, configMs: number, syncRootFlag?: string): RunIO {
    return {
      config,
      env: this.env,
      cwd: this.context.cwd,
      repoRoot: resolveSyncRoot(
        this.context.cwd,
        { ...(syncRootFlag !== undefined ? { flag: syncRootFlag } : {}), config: config.sync.root },
        this.context.env,
      ),
      signal: this.context.signal,
      stdout: this.context.stdout,
      stderr: this.context.stderr,
      progress: this.progress(),
      configMs,
    };
  }
}
