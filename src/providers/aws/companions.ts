/**
 * The lease's security groups and key pairs once no live instance holds them: found by their
 * crabbox tags (the inventory the orphan sweep and `crabbox cleanup` read), deleted one by
 * one. EC2 can answer `DependencyViolation` to DeleteSecurityGroup for a while after the
 * instance reports `terminated` (its network interface is released later: docs.aws.amazon.com/
 * AWSEC2/latest/APIReference/API_DeleteSecurityGroup.html, "If you attempt to delete a
 * security group that is associated with an instance or network interface … the operation
 * fails with DependencyViolation"), so that answer is retried with backoff.
 */
import {
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type Tag,
} from "@aws-sdk/client-ec2";
import type { DeleteOutcome, ProviderMachine } from "../provider";
import { errorCodeOf } from "./errors";
import { tagValue } from "./tags";

export interface GroupRetry {
  /** DeleteSecurityGroup tries while EC2 answers DependencyViolation. */
  attempts: number;
  /** First pause; doubled after each try. */
  firstDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

/** The tag crabbox puts on a lease's group and key once its instance exists: the sweep's proof. */
export const instanceTag = "crabbox_instance";

/** Deletes one group, waiting out DependencyViolation; an unknown group counts as gone. */
export async function deleteGroup(
  client: EC2Client,
  groupID: string,
  retry: GroupRetry,
): Promise<DeleteOutcome> {
  let delay = retry.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new DeleteSecurityGroupCommand({ GroupId: groupID }));
      return "deleted";
    } catch (error) {
      const code = errorCodeOf(error);
      if (code === "InvalidGroup.NotFound") return "already_gone";
      if (code !== "DependencyViolation" || attempt >= retry.attempts) throw error;
    }
    await retry.sleep(delay);
    delay *= 2;
  }
}

/** Every crabbox-tagged group and key pair in the region whose lease has no live instance. */
export async function leftoverCompanions(
  client: EC2Client,
  region: string,
  liveLeases: ReadonlySet<string>,
): Promise<ProviderMachine[]> {
  const found: ProviderMachine[] = [];
  const crabboxFilter = [{ Name: "tag:crabbox", Values: ["true"] }];
  let token: string | undefined;
  do {
    const page = await client.send(
      new DescribeSecurityGroupsCommand({ Filters: crabboxFilter, MaxResults: 1000, NextToken: token }),
    );
    for (const group of page.SecurityGroups ?? []) {
      if (group.GroupId)
        found.push(companion("security_group", group.GroupId, group.GroupName, group.Tags, region));
    }
    token = page.NextToken;
  } while (token);
  // DescribeKeyPairs has no pagination (API_DescribeKeyPairs.html lists no NextToken).
  const keys = await client.send(new DescribeKeyPairsCommand({ Filters: crabboxFilter }));
  for (const key of keys.KeyPairs ?? []) {
    if (key.KeyPairId) found.push(companion("key_pair", key.KeyPairId, key.KeyName, key.Tags, region));
  }
  return found.filter((c) => !liveLeases.has(c.labels.lease ?? ""));
}

function companion(
  kind: "security_group" | "key_pair",
  id: string,
  name: string | undefined,
  tags: Tag[] | undefined,
  region: string,
): ProviderMachine {
  const labels = Object.fromEntries((tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
  const owner = tagValue(tags, instanceTag);
  return {
    provider: "aws",
    kind,
    cloudID: id,
    ...(owner ? { ownerCloudID: owner } : {}),
    name: name ?? id,
    status: "unused",
    serverType: "",
    region,
    labels,
  };
}

/**
 * Deletes one leftover group (`sg-…`) or key pair (`key-…`), only if its `lease` tag names
 * `leaseID`; anything else is refused by returning undefined (not a companion id).
 */
export async function deleteCompanion(
  client: EC2Client,
  cloudID: string,
  leaseID: string,
  retry: GroupRetry,
): Promise<DeleteOutcome | "not_owned" | undefined> {
  if (/^sg-[0-9a-f]+$/.test(cloudID)) {
    let tags: Tag[] | undefined;
    try {
      const found = await client.send(new DescribeSecurityGroupsCommand({ GroupIds: [cloudID] }));
      tags = found.SecurityGroups?.[0]?.Tags;
    } catch (error) {
      if (errorCodeOf(error) === "InvalidGroup.NotFound") return "already_gone";
      throw error;
    }
    if (tagValue(tags, "lease") !== leaseID) return "not_owned";
    return deleteGroup(client, cloudID, retry);
  }
  if (/^key-[0-9a-f]+$/.test(cloudID)) {
    let tags: Tag[] | undefined;
    try {
      const found = await client.send(new DescribeKeyPairsCommand({ KeyPairIds: [cloudID] }));
      tags = found.KeyPairs?.[0]?.Tags;
    } catch (error) {
      if (errorCodeOf(error) === "InvalidKeyPair.NotFound") return "already_gone";
      throw error;
    }
    if (tagValue(tags, "lease") !== leaseID) return "not_owned";
    await client.send(new DeleteKeyPairCommand({ KeyPairId: cloudID }));
    return "deleted";
  }
  return undefined;
}
