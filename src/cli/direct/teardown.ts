import type { DeleteTarget, Provider } from "../../providers/provider";
import { deleteLeaseKey } from "../keys/store";
import type { Progress } from "../output/progress";
import { removeDirectRecord } from "./records";

type Env = Record<string, string | undefined>;

/** Deletes every machine labelled with the lease (a create that was cut short may have made one). */
async function deleteLeaseMachines(provider: Provider, leaseID: string, known?: DeleteTarget): Promise<void> {
  const targets: DeleteTarget[] = known ? [known] : [];
  if (!known) {
    for (const machine of await provider.findByLease(leaseID)) {
      targets.push({
        cloudID: machine.cloudID,
        leaseID,
        ...(machine.region ? { region: machine.region } : {}),
      });
    }
  }
  for (const target of targets) await provider.delete(target);
}

/** Deletes the lease's machine, then forgets it locally. Never throws: failures tell how to finish by hand. */
export async function deleteDirectLease(
  provider: Provider,
  leaseID: string,
  known: DeleteTarget | undefined,
  env: Env,
  progress: Progress,
): Promise<void> {
  try {
    await deleteLeaseMachines(provider, leaseID, known);
    removeDirectRecord(env, leaseID);
    deleteLeaseKey(env, leaseID);
    progress.info(`released ${leaseID} (machine deleted)`);
  } catch (error) {
    progress.warn(
      `could not delete the machine of ${leaseID}: ${(error as Error).message}; \`crabbox cleanup\` deletes it once it expires`,
    );
  }
}
