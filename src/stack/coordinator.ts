import { join } from "node:path";
import { settleWithin } from "../cli/time/settle-within";
import { CrabboxError } from "../errors";
import { packageRoot } from "../package-root";

export interface CoordinatorOptions {
  port: number;
  /** Persist root for the Durable Object's SQLite (survives restarts). */
  persistDir: string;
  /** Plain variables handed to the Worker as bindings (wrangler prints them). */
  vars: Record<string, string>;
  /** Tokens and secrets, bound as `secret_text`: wrangler shows them as "(hidden)" in its logs. */
  secrets?: Record<string, string>;
  logLevel?: "none" | "error" | "warn" | "info" | "log" | "debug";
  /** Give up (and clean up) when workerd has not started by then; default 60 s. */
  startTimeoutMs?: number;
  /**
   * Answers the Worker's outbound fetches in this process instead of the network (a test
   * seam: the loopback fakes of the clouds' HTTPS APIs, which workerd cannot trust).
   */
  outboundService?: (request: Request) => Promise<Response>;
}

export interface RunningCoordinator {
  url: string;
  dispose(): Promise<void>;
}

const wranglerConfig = join(packageRoot(), "wrangler.toml");

/**
 * Runs the coordinator Worker (wrangler.toml, main `src/worker/index.ts`) in workerd through
 * wrangler's programmatic dev server, on 127.0.0.1:`port`, with its Durable Object storage
 * persisted under `persistDir`. No file watching, no inspector, nothing outside loopback.
 */
export async function startCoordinator(options: CoordinatorOptions): Promise<RunningCoordinator> {
  // Miniflare would otherwise fetch the `Request.cf` fixture from the internet on every start.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  process.env.WRANGLER_SEND_METRICS ??= "false";
  // Wrangler (with miniflare) takes about half a second to load: only the commands that start
  // the local stack pay for it, not every `crabbox` invocation that imports this module.
  const { unstable_startWorker } = await import("wrangler");
  // Wrangler prints every plain_text binding (truncated, not redacted) in its bindings table,
  // on the terminal and in its debug log file: secrets go as secret_text, which it hides.
  const bindings = Object.fromEntries([
    ...Object.entries(options.vars).map(([name, value]) => [name, { type: "plain_text", value }]),
    ...Object.entries(options.secrets ?? {}).map(([name, value]) => [name, { type: "secret_text", value }]),
  ]);
  const starting = unstable_startWorker({
    config: wranglerConfig,
    bindings,
    dev: {
      server: { hostname: "127.0.0.1", port: options.port },
      persist: options.persistDir,
      inspector: false,
      watch: false,
      liveReload: false,
      logLevel: options.logLevel ?? "warn",
      ...(options.outboundService ? { outboundService: options.outboundService } : {}),
    },
  } as Parameters<typeof unstable_startWorker>[0]);
  // wrangler waits forever when it cannot bind (e.g. the port was taken after our check).
  const deadlineMs = options.startTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  // Stops the first-answer polling when the start fails: it must not keep the process alive.
  const giveUp = new AbortController();
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new CrabboxError(
            "timeout",
            `the coordinator did not start on 127.0.0.1:${options.port} within ${Math.round(deadlineMs / 1000)} s; is the port taken?`,
            { port: options.port },
          ),
        ),
      deadlineMs,
    );
  });
  try {
    const worker = await Promise.race([starting, deadline]);
    const url = `http://127.0.0.1:${options.port}`;
    try {
      await Promise.race([worker.ready, deadline]);
      // `ready` means wrangler's proxy listens; the Worker itself is bundled and started on
      // the first request, which then takes seconds. Pay that here, so that a stack file
      // naming this URL always names a coordinator that answers (`crabbox dev portal` and
      // `dev status` probe it with a 2 s deadline).
      await Promise.race([firstAnswer(url, giveUp.signal), deadline]);
    } catch (error) {
      await settleWithin(worker.dispose(), 5000);
      throw error;
    }
    releaseSignalsFromMiniflare();
    return {
      url,
      dispose: () => worker.dispose(),
    };
  } catch (error) {
    starting.then((worker) => worker.dispose()).catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
    giveUp.abort();
  }
}

/** Waits until the Worker answers its health route; the proxy holds requests until it can. */
async function firstAnswer(url: string, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const response = await fetch(`${url}/v1/health`, { signal });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // the proxy restarts its listener once while the Worker loads; ask again
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Miniflare answers SIGINT/SIGTERM with an immediate `process.exit`, which would cut short the
 * stack's orderly shutdown and the CLI's own Ctrl-C handling. Its `exit` hook, which kills
 * workerd whatever happens, stays installed; only the two signal listeners are taken off.
 */
function releaseSignalsFromMiniflare(): void {
  const hooks: Array<[NodeJS.Signals, string]> = [
    ["SIGINT", "onSignalInt"],
    ["SIGTERM", "onSignalTerm"],
  ];
  for (const [signal, name] of hooks) {
    for (const listener of process.listeners(signal)) {
      if (listener.name === name) process.off(signal, listener);
    }
  }
}
