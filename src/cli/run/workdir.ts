import { basename } from "node:path";
import type { MachineConnection } from "./connection";

/** `<workRoot>/<leaseID>/<repo name>` on the machine (backslashes on native Windows). */
export function remoteWorkdir(connection: MachineConnection, repoRoot: string): string {
  const name = basename(repoRoot) || "repo";
  if (connection.target === "windows") {
    return `${connection.workRoot.replace(/[\\/]+$/, "")}\\${connection.leaseID}\\${name}`;
  }
  return `${connection.workRoot.replace(/\/+$/, "")}/${connection.leaseID}/${name}`;
}
