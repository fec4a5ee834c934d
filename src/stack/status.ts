import { type LocalMachine, machineListResponse } from "../local/wire";
import { stackPaths } from "./paths";
import { coordinatorHealthy, processAlive, readStackInfo, type StackInfo } from "./stack-file";

export interface StackStatus {
  running: boolean;
  healthy: boolean;
  stateDir: string;
  logFile: string;
  info?: StackInfo;
  machines?: LocalMachine[];
}

/** What `crabbox dev status` reports: the stack's process, coordinator health and machines. */
export async function localStackStatus(env: NodeJS.ProcessEnv = process.env): Promise<StackStatus> {
  const paths = stackPaths(env);
  const info = await readStackInfo(paths.stackFile);
  const base = { stateDir: paths.stateDir, logFile: info?.logFile ?? paths.logFile };
  if (!info || !processAlive(info.pid)) return { ...base, running: false, healthy: false };
  const healthy = await coordinatorHealthy(info.url);
  let machines: LocalMachine[] | undefined;
  try {
    const response = await fetch(`${info.hostUrl}/v1/machines`, {
      headers: { authorization: `Bearer ${info.hostToken}` },
      signal: AbortSignal.timeout(2000),
    });
    if (response.ok) machines = machineListResponse.parse(await response.json()).machines;
  } catch {
    // the host is not answering; status says so by leaving machines out
  }
  return { ...base, running: true, healthy, info, machines };
}
