/** EC2 tags from crabbox labels, and the labels that prove a resource belongs to a lease. */
import type { Tag } from "@aws-sdk/client-ec2";
import type { MachineSpec } from "../provider";

/** Tags sorted by key, so the request is stable and diffable. */
export function tagsOf(labels: Record<string, string>): Tag[] {
  return Object.keys(labels)
    .sort()
    .map((Key) => ({ Key, Value: labels[Key] }));
}

export function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/** Whatever labels the caller passes, these prove the lease owns the resource. */
export function ownershipLabels(leaseID: string): Record<string, string> {
  return { crabbox: "true", created_by: "crabbox", lease: leaseID };
}

/**
 * Tags of the lease's key pair and security group; `direct` too for a direct lease, so that
 * `crabbox cleanup` can tell its own leftovers from the coordinator's.
 */
export function companionLabels(spec: MachineSpec): Record<string, string> {
  return {
    ...ownershipLabels(spec.leaseID),
    owner: spec.labels.owner ?? "unknown",
    ...(spec.labels.direct === "true" ? { direct: "true" } : {}),
  };
}
