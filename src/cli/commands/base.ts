import type { CoordinatorClient } from "../../client/client";
import { CrabboxError } from "../../errors";
import { type ConfigLayer, hasCoordinator, loadConfig, type ResolvedConfig } from "../config";
import { coordinatorFromConfig } from "../coordinator/connect";
import { createProgress, type Progress } from "../output/progress";
import { Command, Option } from "./clipanion";
import type { CrabboxContext } from "./context";

export abstract class CrabboxCommand extends Command<CrabboxContext> {
  protected get env(): Record<string, string | undefined> {
    return this.context.env;
  }

  /** Explicit flags as a config layer; commands with config-shaping flags override this. */
  protected flagLayer(): ConfigLayer {
    return {};
  }

  protected loadConfig(): ResolvedConfig {
    return loadConfig({ env: this.env, cwd: this.context.cwd, flags: this.flagLayer() });
  }

  protected progress(quiet = false): Progress {
    return createProgress(this.context.stderr, { quiet });
  }

  protected out(line: string): void {
    this.context.stdout.write(`${line}\n`);
  }

  protected err(line: string): void {
    this.context.stderr.write(`${line}\n`);
  }

  /** The coordinator client; commands that only make sense with one refuse clearly without it. */
  protected requireCoordinator(config: ResolvedConfig, command: string): CoordinatorClient {
    if (!hasCoordinator(config)) {
      throw new CrabboxError(
        "config",
        `${command} needs a coordinator: run \`crabbox dev\` for a local one, or \`crabbox login --url <url>\``,
      );
    }
    return coordinatorFromConfig(config, this.env);
  }

  protected requireAdmin(config: ResolvedConfig, command: string): CoordinatorClient {
    const client = this.requireCoordinator(config, command);
    if (!config.broker.adminToken) {
      throw new CrabboxError(
        "config",
        `${command} needs an admin token: set CRABBOX_ADMIN_TOKEN or run \`crabbox config set-broker --url ${config.broker.url} --admin-token-stdin\``,
      );
    }
    return client.asAdmin(config.broker.adminToken);
  }
}

/** `--json` on every command that prints data. */
export const jsonOption = () =>
  Option.Boolean("--json", false, { description: "Print one JSON document on stdout" });

/** The config layer of `--provider`, and of `--direct` on the commands that have it. */
export function providerLayer(provider: string | undefined, direct = false): ConfigLayer {
  return { ...(provider ? { provider } : {}), ...(direct ? { direct: true } : {}) };
}
