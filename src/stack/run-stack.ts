import { mkdir } from "node:fs/promises";
import { CrabboxError } from "../errors";
import { HostHttpServer } from "../local/http/host-http-server";
import { MachineHost } from "../local/machine-host";
import { type RunningCoordinator, startCoordinator } from "./coordinator";
import { acquireStackLock } from "./lock";
import { coordinatorPort, stackPaths } from "./paths";
import { assertPortFree } from "./port";
import { loadStackSecrets } from "./secrets";
import { processAlive, readStackInfo, removeStackInfo, type StackInfo, writeStackInfo } from "./stack-file";
import { pointUserConfigAtStack, type UserConfigOutcome } from "./user-config";

export interface RunStackOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress lines (stderr in the CLI, the log file when detached). */
  log?: (line: string) => void;
  /** Point the user config at this stack (default true). */
  writeUserConfig?: boolean;
  logFile?: string;
  /**
   * Extra coordinator settings given in code, never read from the environment (the stack
   * passes no cloud credentials through): e.g. a test's Azure settings pointing at a fake.
   */
  coordinatorVars?: Record<string, string>;
  /** See `CoordinatorOptions.outboundService`. */
  outboundService?: (request: Request) => Promise<Response>;
}

export interface RunningStack {
  info: StackInfo;
  userConfig?: UserConfigOutcome;
  stop(): Promise<void>;
}

/**
 * Starts the local stack in this process: the machine host on a free loopback port, then the
 * coordinator in workerd on `CRABBOX_PORT` (8787) with `local` as its default provider, and
 * publishes both in `<state>/stack.json`.
 */
export async function runStack(options: RunStackOptions = {}): Promise<RunningStack> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const paths = stackPaths(env);
  const port = coordinatorPort(env);
  await mkdir(paths.stateDir, { recursive: true, mode: 0o700 });
  await mkdir(paths.wranglerLogDir, { recursive: true, mode: 0o700 });

  const existing = await readStackInfo(paths.stackFile);
  if (existing && existing.pid !== process.pid && processAlive(existing.pid)) {
    throw new CrabboxError(
      "config",
      `a local stack is already running at ${existing.url} (pid ${existing.pid}); use it, or stop it with crabbox dev stop`,
      { port: existing.port },
    );
  }
  const releaseLock = acquireStackLock(paths.lockFile);
  try {
    await assertPortFree(port);
  } catch (error) {
    releaseLock();
    throw error;
  }
  const secrets = await loadStackSecrets(paths.secretsFile, env);

  const bootstrapDelayMs = env.CRABBOX_LOCAL_BOOTSTRAP_MS
    ? Number(env.CRABBOX_LOCAL_BOOTSTRAP_MS)
    : undefined;
  const host = new MachineHost({
    stateDir: paths.stateDir,
    bootstrapDelayMs,
    log: (line) => log(`host: ${line}`),
  });
  await host.start();
  const hostHttp = new HostHttpServer(
    host,
    secrets.hostToken,
    Number(env.CRABBOX_LOCAL_CREATE_ANSWER_MS ?? 0) || 0,
  );
  let coordinator: RunningCoordinator | undefined;
  try {
    const hostUrl = await hostHttp.listen(0);
    coordinator = await startCoordinator({
      port,
      persistDir: paths.coordinatorDir,
      logLevel: (env.CRABBOX_STACK_LOG_LEVEL as "warn" | undefined) ?? "warn",
      vars: {
        CRABBOX_DEFAULT_PROVIDER: "local",
        CRABBOX_LOCAL_HOST_URL: hostUrl,
        // Only this stack binds it: one-time portal sign-in links (docs/portal.md, "Local sign-in").
        CRABBOX_LOCAL_PORTAL_LOGIN: "1",
        ...passThrough(env, passThroughVars),
      },
      secrets: {
        CRABBOX_ADMIN_TOKEN: secrets.adminToken,
        CRABBOX_SHARED_TOKEN: secrets.sharedToken,
        CRABBOX_SESSION_SECRET: secrets.sessionSecret,
        CRABBOX_LOCAL_HOST_TOKEN: secrets.hostToken,
        // The local stack's webhook receivers live on loopback (docs/api.md, "Webhooks").
        CRABBOX_WEBHOOK_ALLOW_PRIVATE: "1",
        ...passThrough(env, passThroughSecrets),
        ...options.coordinatorVars,
      },
      ...(options.outboundService ? { outboundService: options.outboundService } : {}),
    });
    const info: StackInfo = {
      pid: process.pid,
      url: coordinator.url,
      port,
      hostUrl,
      token: secrets.sharedToken,
      adminToken: secrets.adminToken,
      hostToken: secrets.hostToken,
      stateDir: paths.stateDir,
      logFile: options.logFile,
      startedAt: new Date().toISOString(),
    };
    await writeStackInfo(paths.stackFile, info);
    const userConfig =
      options.writeUserConfig === false
        ? undefined
        : pointUserConfigAtStack({ url: info.url, token: info.token, adminToken: info.adminToken }, env);
    const running = coordinator;
    let stopping: Promise<void> | undefined;
    return {
      info,
      userConfig,
      stop: () => {
        stopping ??= (async () => {
          await running.dispose().catch((error: Error) => log(`coordinator: ${error.message}`));
          await hostHttp.close();
          await host.stop();
          await removeStackInfo(paths.stackFile, process.pid);
          releaseLock();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await coordinator?.dispose().catch(() => {});
    await hostHttp.close();
    await host.stop();
    releaseLock();
    throw error;
  }
}

/** Coordinator settings a developer may tune for the local stack (never secrets of clouds). */
const passThroughVars = [
  "CRABBOX_PROVISION_WAIT_MS",
  "CRABBOX_MAX_ACTIVE_LEASES",
  "CRABBOX_MAX_MONTHLY_USD",
  // Ready pools of local machines (docs/api.md#ready-pools).
  "CRABBOX_POOLS",
  // GitHub login for the CLI and the portal (a developer's own OAuth app, or a test's fake).
  "CRABBOX_GITHUB_CLIENT_ID",
  "CRABBOX_GITHUB_ORG",
  "CRABBOX_GITHUB_TEAM",
  "CRABBOX_GITHUB_WEB_URL",
  "CRABBOX_GITHUB_API_URL",
  "CRABBOX_GITHUB_ADMIN_LOGINS",
];

/** The same, for values that are secrets (bound hidden). */
const passThroughSecrets = ["CRABBOX_GITHUB_CLIENT_SECRET"];

function passThrough(env: NodeJS.ProcessEnv, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => (env[name] ? [[name, env[name] as string]] : [])));
}
