import { CrabboxError } from "../../errors";
import { inWords, isCloudProvider, providerNames } from "../../providers/names";
// Not the stack's index: it also exports the daemon and the machine host (docs/cli.md, "Start-up").
import { ensureLocalStack } from "../../stack/ensure";
import { isLocalStackUrl } from "../../stack/local-url";
import { hasCoordinator, type ResolvedConfig } from "../config";
import { CoordinatorClient } from "../coordinator/client";
import type { Progress } from "../output/progress";
import type { Env } from "./types";

/**
 * The coordinator to lease from. Zero config means the local stack: started on demand,
 * with provider `local`. A user config that points at the local stack (written there by
 * `crabbox dev`) still means "start it if it is stopped", not "fail to connect". A cloud
 * provider without a coordinator is direct mode, which never reaches this function.
 */
export async function coordinatorFor(
  config: ResolvedConfig,
  env: Env,
  progress: Progress,
): Promise<CoordinatorClient> {
  if (hasCoordinator(config) && !isLocalStackUrl(config.broker.url, env as NodeJS.ProcessEnv)) {
    return CoordinatorClient.fromConfig(config, env);
  }
  if (isCloudProvider(config.provider)) {
    // A local stack configured for a cloud (its coordinator given that cloud's settings, as
    // the brokered e2e tests do) brokers it like any coordinator; it is never started here.
    if (hasCoordinator(config)) return CoordinatorClient.fromConfig(config, env);
    throw new CrabboxError(
      "config",
      `provider ${config.provider} without a coordinator is direct mode, which this command does not support: ` +
        "run `crabbox login --url <coordinator>`, or drop the provider to use local machines",
    );
  }
  if (config.provider !== "local") {
    throw new CrabboxError(
      "config",
      `unknown provider "${config.provider}": use ${inWords([...providerNames, "ssh"])}`,
      {
        field: "provider",
      },
    );
  }
  progress.phase("starting local stack");
  const stack = await ensureLocalStack({
    env: env as NodeJS.ProcessEnv,
    onStart: (log) => progress.info(`starting the local stack (log: ${log})`),
  });
  // One invocation, one identity: after `crabbox login` against the local stack the user's
  // token is the configured one, and `list`/`stop`/`logs` use it too. The stack's shared token
  // is only the zero-config default (docs/local-machines.md).
  const token = hasCoordinator(config) && config.broker.token ? config.broker.token : stack.token;
  return CoordinatorClient.fromConfig(
    {
      ...config,
      broker: { ...config.broker, url: stack.url, token },
      provider: "local",
      providerExplicit: true,
    },
    env,
  );
}
