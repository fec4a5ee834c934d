import type { LeaseRecord } from "../../api";
import type { CoordinatorClient } from "../../client/client";
import { CrabboxError } from "../../errors";
import { inWords, isCloudProvider, providerNames } from "../../providers/names";
// Not the stack's index: it also exports the daemon and the machine host (docs/cli.md, "Start-up").
import { ensureLocalStack } from "../../stack/ensure";
import { isLocalStackUrl } from "../../stack/local-url";
import { stackPaths } from "../../stack/paths";
import { readStackInfo } from "../../stack/stack-file";
import { hasCoordinator, type ResolvedConfig } from "../config";
import { coordinatorFromConfig } from "../coordinator/connect";
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
    return coordinatorFromConfig(config, env);
  }
  if (isCloudProvider(config.provider)) {
    // A local stack configured for a cloud (its coordinator given that cloud's settings, as
    // the brokered e2e tests do) brokers it like any coordinator; it is never started here.
    if (hasCoordinator(config)) return coordinatorFromConfig(config, env);
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
  return coordinatorFromConfig(
    {
      ...config,
      broker: { ...config.broker, url: stack.url, token },
      provider: "local",
      providerExplicit: true,
    },
    env,
  );
}

/** A lease lookup sent before the coordinator was confirmed: see `earlyLeaseLookup`. */
export interface EarlyLookup {
  url: string;
  lease: Promise<LeaseRecord>;
}

/**
 * The lookup of a held lease (`--id`) on the local stack, sent beside the stack's health probe
 * instead of after it: one loopback round trip less on every warm run (docs/sync.md, "Inner
 * loop"). It goes to the URL and token the stack published; the caller uses its answer only
 * when `coordinatorFor` then confirmed a healthy stack at that URL, and asks again otherwise.
 * Undefined when the command does not go to the local stack or no stack published itself.
 */
export async function earlyLeaseLookup(
  config: ResolvedConfig,
  env: Env,
  id: string,
  signal: AbortSignal,
): Promise<EarlyLookup | undefined> {
  const toLocalStack =
    config.provider === "local" &&
    (!hasCoordinator(config) || isLocalStackUrl(config.broker.url, env as NodeJS.ProcessEnv));
  if (!toLocalStack) return undefined;
  const stack = await readStackInfo(stackPaths(env as NodeJS.ProcessEnv).stackFile);
  if (!stack) return undefined;
  const token = hasCoordinator(config) && config.broker.token ? config.broker.token : stack.token;
  const client = coordinatorFromConfig(
    {
      ...config,
      broker: { ...config.broker, url: stack.url, token },
      provider: "local",
      providerExplicit: true,
    },
    env,
  );
  const lease = client.getLease(id, signal);
  lease.catch(() => {});
  return { url: client.url, lease };
}

/** The early answer when it came from `client`'s coordinator and succeeded, else a fresh lookup. */
export async function lookupLease(
  client: CoordinatorClient,
  early: EarlyLookup | undefined,
  id: string,
  signal: AbortSignal,
): Promise<LeaseRecord> {
  if (early && early.url === client.url) {
    try {
      return await early.lease;
    } catch {
      // a stack restarted in between, or any other failure: ask the confirmed coordinator
    }
  }
  return client.getLease(id, signal);
}
