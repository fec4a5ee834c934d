import { deleteLeaseKey } from "../keys/store";
import { directProvider } from "./providers";
import { type DirectLeaseRecord, findDirectRecord, removeDirectRecord } from "./records";

type Env = Record<string, string | undefined>;

/**
 * `crabbox stop <id>` for a direct lease recorded on this computer: deletes the machine
 * (with `keepMachine`, only forgets the lease locally), then the record and the key.
 */
export async function releaseDirectLease(
  env: Env,
  idOrSlug: string,
  options: { keepMachine: boolean },
): Promise<{ record: DirectLeaseRecord; outcome: "deleted" | "already_gone" | "kept" }> {
  const record = findDirectRecord(env, idOrSlug);
  let outcome: "deleted" | "already_gone" | "kept" = "kept";
  if (!options.keepMachine) {
    const provider = await directProvider(record.provider, env);
    outcome = await provider.delete({
      cloudID: record.cloudID,
      leaseID: record.leaseID,
      ...(record.region ? { region: record.region } : {}),
    });
  }
  removeDirectRecord(env, record.leaseID);
  deleteLeaseKey(env, record.leaseID);
  return { record, outcome };
}
