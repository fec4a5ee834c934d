import { readFile, rm } from "node:fs/promises";
import { nodeHttpFetch } from "../client/http-fetch";
import { writeFileAtomic } from "../local/machine-files";

/** What a running stack publishes about itself in `<state>/stack.json` (mode 0600). */
export interface StackInfo {
  pid: number;
  url: string;
  port: number;
  hostUrl: string;
  /** The shared operator token clients use. */
  token: string;
  adminToken: string;
  hostToken: string;
  stateDir: string;
  logFile?: string;
  /** ISO 8601. */
  startedAt: string;
}

export async function readStackInfo(file: string): Promise<StackInfo | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as StackInfo;
  } catch {
    return undefined;
  }
}

export async function writeStackInfo(file: string, info: StackInfo): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(info, null, 2)}\n`);
}

/** Removes the file only if it still describes the stack of `pid` (a newer stack keeps its own). */
export async function removeStackInfo(file: string, pid: number): Promise<void> {
  const current = await readStackInfo(file);
  if (current?.pid === pid) await rm(file, { force: true });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when the coordinator at `url` answers its health route. */
export async function coordinatorHealthy(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    // node:http, not fetch: the first fetch loads undici, which a warm `crabbox run` cannot afford.
    const response = await nodeHttpFetch(new URL("/v1/health", url), {
      method: "GET",
      headers: {},
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.ok;
  } catch {
    return false;
  }
}
