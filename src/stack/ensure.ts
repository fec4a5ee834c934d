import { spawn } from "node:child_process";
import { mkdirSync, openSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { CrabboxError } from "../errors";
import { packageRoot } from "../package-root";
import { sleep } from "../time/sleep";
import { stackLockHolder } from "./lock";
import { coordinatorPort, stackPaths } from "./paths";
import { coordinatorHealthy, processAlive, readStackInfo, type StackInfo } from "./stack-file";

export interface EnsureOptions {
  env?: NodeJS.ProcessEnv;
  /** How long to wait for a freshly started stack to answer; default 90 s. */
  timeoutMs?: number;
  /** Told once when a new stack is being started. */
  onStart?: (logFile: string) => void;
}

// The daemon is long-lived, so it runs from the sources even when the CLI is the built bundle.
const daemonEntry = join(packageRoot(), "src", "stack", "daemon.ts");
/** The stack runs from TypeScript sources, like the CLI itself: through tsx's ESM loader. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** The running local stack, if its process is alive and its coordinator answers. */
export async function runningStack(env: NodeJS.ProcessEnv = process.env): Promise<StackInfo | undefined> {
  const info = await readStackInfo(stackPaths(env).stackFile);
  if (!info || !processAlive(info.pid)) return undefined;
  return (await coordinatorHealthy(info.url)) ? info : undefined;
}

/**
 * The zero-config path of `crabbox run`/`warmup`: use the local stack that is running, or
 * start one detached in the background (it keeps running for the next command; logs in the
 * state directory) and wait until its coordinator answers.
 */
export async function ensureLocalStack(options: EnsureOptions = {}): Promise<{ url: string; token: string }> {
  const env = options.env ?? process.env;
  // A malformed CRABBOX_PORT is this user's config error, said here rather than in the daemon's log.
  coordinatorPort(env);
  // Always the health round trip (a few ms on loopback): trusting a live pid that holds the lock
  // instead restarted nothing after a crash whose pid was still taken (a zombie, or reused).
  const current = await runningStack(env);
  if (current) return { url: current.url, token: current.token };

  const paths = stackPaths(env);
  mkdirSync(dirname(paths.logFile), { recursive: true, mode: 0o700 });
  const logFd = openSync(paths.logFile, "a", 0o600);
  const logStart = readSize(paths.logFile);
  options.onStart?.(paths.logFile);
  const child = spawn(process.execPath, ["--import", tsxLoader, daemonEntry], {
    detached: true,
    stdio: ["ignore", logFd, logFd],
    env: { ...env, CRABBOX_STACK_LOG_FILE: paths.logFile },
  });
  child.unref();
  let exited: number | null | undefined;
  child.once("exit", (code) => {
    exited = code;
  });

  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    const info = await runningStack(env);
    if (info) return { url: info.url, token: info.token };
    if (exited !== undefined) {
      // Exit 2 means the port or the state directory was taken: usually another command that
      // won the race to start the stack. Wait for that one for as long as it holds the stack
      // lock (it is starting; on a busy machine that takes a while), then use it.
      if (exited === 2 && stackLockHolder(paths.lockFile) !== undefined) {
        await sleep(250);
        continue;
      }
      const winner = await runningStack(env);
      if (winner) return { url: winner.url, token: winner.token };
      throw new CrabboxError(
        exited === 2 ? "config" : "internal",
        `the local stack did not start: ${lastLines(paths.logFile, logStart)} (log: ${paths.logFile})`,
      );
    }
    await sleep(250);
  }
  throw new CrabboxError(
    "timeout",
    `the local stack did not answer within ${Math.round((options.timeoutMs ?? 90_000) / 1000)} s (log: ${paths.logFile})`,
  );
}

function readSize(file: string): number {
  try {
    return readFileSync(file).length;
  } catch {
    return 0;
  }
}

function lastLines(file: string, from: number): string {
  try {
    const text = readFileSync(file).subarray(from).toString("utf8").trim();
    return text.split("\n").slice(-3).join(" | ") || "no output";
  } catch {
    return "no output";
  }
}
