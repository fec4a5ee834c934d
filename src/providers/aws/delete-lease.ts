/**
 * Deleting what a lease made in one region: its instances (terminated, then awaited), its
 * security group (DependencyViolation waited out) and its key pair — the key even when the
 * group could not go yet, so one slow release never strands the other. A companion id
 * (`sg-…`, `key-…`, as the inventory reports a leftover) deletes only that resource.
 */
import { type EC2Client, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { CrabboxError } from "../../errors";
import type { DeleteOutcome, DeleteTarget } from "../provider";
import { deleteCompanion, type GroupRetry } from "./companions";
import { errorCodeOf } from "./errors";
import { instancesOfLease, waitTerminated } from "./instances";
import { deleteLeaseKey } from "./key-pair";
import { deleteLeaseGroups } from "./security-group";

export interface DeleteSettings {
  ownGroups: boolean;
  terminateWaitMs: number;
  pollMs: number;
  sleep: (ms: number) => Promise<void>;
  groupRetry: GroupRetry;
}

export async function deleteLease(
  client: EC2Client,
  target: DeleteTarget,
  settings: DeleteSettings,
): Promise<DeleteOutcome> {
  const single = await deleteCompanion(client, target.cloudID, target.leaseID, settings.groupRetry);
  if (single === "not_owned") {
    throw new CrabboxError("forbidden", `AWS ${target.cloudID} is not tagged with lease ${target.leaseID}`, {
      provider: "aws",
    });
  }
  if (single) return single;
  const ids = new Set((await instancesOfLease(client, target.leaseID)).map((i) => i.InstanceId ?? ""));
  if (/^i-[0-9a-f]+$/.test(target.cloudID)) ids.add(target.cloudID);
  ids.delete("");
  let outcome: DeleteOutcome = "already_gone";
  for (const id of ids) {
    try {
      const result = await client.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
      const previous = result.TerminatingInstances?.[0]?.PreviousState?.Name;
      if (id === target.cloudID && previous !== "terminated" && previous !== "shutting-down")
        outcome = "deleted";
    } catch (error) {
      if (errorCodeOf(error) !== "InvalidInstanceID.NotFound") throw error;
    }
  }
  let groupFailure: unknown;
  if (settings.ownGroups) {
    await deleteLeaseGroups(
      client,
      target.leaseID,
      () =>
        waitTerminated(client, [...ids], {
          waitMs: settings.terminateWaitMs,
          pollMs: settings.pollMs,
          sleep: settings.sleep,
        }),
      settings.groupRetry,
    ).catch((error: unknown) => {
      groupFailure = error;
    });
  }
  await deleteLeaseKey(client, target.leaseID);
  if (groupFailure) throw groupFailure;
  return outcome;
}
