import { rm } from "node:fs/promises";
import { sleep } from "../time/sleep";
import { stackPaths } from "./paths";
import { processAlive, readStackInfo } from "./stack-file";

export type StopOutcome = { stopped: false } | { stopped: true; pid: number; url: string; forced: boolean };

/**
 * Stops the local stack: SIGTERM (it closes the coordinator and its machines' SSH servers),
 * then SIGKILL of its whole process group if it has not exited after `graceMs`. Machines stay
 * on disk and come back with the next stack.
 */
export async function stopLocalStack(
  env: NodeJS.ProcessEnv = process.env,
  graceMs = 15_000,
): Promise<StopOutcome> {
  const paths = stackPaths(env);
  const info = await readStackInfo(paths.stackFile);
  if (!info || !processAlive(info.pid)) {
    await rm(paths.stackFile, { force: true });
    return { stopped: false };
  }
  process.kill(info.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (processAlive(info.pid) && Date.now() < deadline) await sleep(100);
  const forced = processAlive(info.pid);
  if (forced) killGroup(info.pid);
  await rm(paths.stackFile, { force: true });
  return { stopped: true, pid: info.pid, url: info.url, forced };
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}
