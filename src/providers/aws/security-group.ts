/**
 * The lease's own security group: SSH from exactly the lease's CIDRs on its SSH ports,
 * nothing else, deleted with the lease. Never a 0.0.0.0/0 default for SSH; a pool machine's
 * group also admits its pool agent's port from anywhere, since the coordinator's egress
 * addresses are not fixed (docs/providers.md#ready-pools).
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { providerKeyForLease } from "../../domain/ids";
import { CrabboxError } from "../../errors";
import { sshPortsOf } from "../bootstrap/linux";
import type { MachineSpec } from "../provider";
import { deleteGroup, type GroupRetry } from "./companions";
import { errorCodeOf } from "./errors";
import { companionLabels, tagsOf, tagValue } from "./tags";

/** The lease's SSH source CIDRs, validated; throws `invalid_request` naming `sshCIDRs`. */
export function ingressCIDRs(spec: MachineSpec): string[] {
  const cidrs = [...new Set(spec.sshCIDRs ?? [])];
  if (cidrs.length === 0) {
    throw new CrabboxError("invalid_request", "AWS leases need the SSH source CIDRs allowed to connect", {
      field: "sshCIDRs",
    });
  }
  for (const cidr of cidrs) {
    if (!isCIDR(cidr)) {
      throw new CrabboxError("invalid_request", `${cidr} is not an IPv4 or IPv6 CIDR`, { field: "sshCIDRs" });
    }
  }
  return cidrs;
}

export function isCIDR(value: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (v4) return v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32;
  const v6 = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(value);
  return !!v6 && (v6[1] ?? "").includes(":") && Number(v6[2]) <= 128;
}

export async function ensureLeaseGroup(
  client: EC2Client,
  spec: MachineSpec,
  cidrs: string[],
  network: { region: string; subnetID?: string },
  signal?: AbortSignal,
): Promise<string> {
  const vpcID = await vpcOf(client, network, signal);
  const groupName = providerKeyForLease(spec.leaseID);
  let groupID: string | undefined;
  try {
    const created = await client.send(
      new CreateSecurityGroupCommand({
        GroupName: groupName,
        Description: `Crabbox lease ${spec.leaseID}: SSH from the lease's addresses only`,
        VpcId: vpcID,
        TagSpecifications: [
          { ResourceType: "security-group", Tags: tagsOf({ ...companionLabels(spec), Name: groupName }) },
        ],
      }),
      { abortSignal: signal },
    );
    groupID = created.GroupId;
  } catch (error) {
    if (errorCodeOf(error) !== "InvalidGroup.Duplicate") throw error;
    const found = await client.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "group-name", Values: [groupName] },
          { Name: "vpc-id", Values: [vpcID] },
        ],
      }),
      { abortSignal: signal },
    );
    const group = found.SecurityGroups?.[0];
    if (tagValue(group?.Tags, "lease") !== spec.leaseID) {
      throw new CrabboxError(
        "provider_error",
        `security group ${groupName} exists but is not tagged for this lease`,
      );
    }
    groupID = group?.GroupId;
  }
  if (!groupID) throw new CrabboxError("provider_error", "CreateSecurityGroup returned no group id");
  await authorizeIngress(client, groupID, sshPortsOf(spec), cidrs, "Crabbox SSH", signal);
  if (spec.poolAgent)
    await authorizeIngress(
      client,
      groupID,
      [spec.poolAgent.port],
      ["0.0.0.0/0"],
      "Crabbox pool agent",
      signal,
    );
  return groupID;
}

async function authorizeIngress(
  client: EC2Client,
  groupID: string,
  ports: number[],
  cidrs: string[],
  Description: string,
  signal?: AbortSignal,
): Promise<void> {
  const v4 = cidrs.filter((c) => !c.includes(":"));
  const v6 = cidrs.filter((c) => c.includes(":"));
  try {
    await client.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupID,
        IpPermissions: ports.map((port) => ({
          IpProtocol: "tcp",
          FromPort: port,
          ToPort: port,
          ...(v4.length > 0 ? { IpRanges: v4.map((CidrIp) => ({ CidrIp, Description })) } : {}),
          ...(v6.length > 0 ? { Ipv6Ranges: v6.map((CidrIpv6) => ({ CidrIpv6, Description })) } : {}),
        })),
      }),
      { abortSignal: signal },
    );
  } catch (error) {
    // A retried create: the rules are already there.
    if (errorCodeOf(error) !== "InvalidPermission.Duplicate") throw error;
  }
}

async function vpcOf(
  client: EC2Client,
  network: { region: string; subnetID?: string },
  signal?: AbortSignal,
): Promise<string> {
  if (network.subnetID) {
    const notFound = () =>
      new CrabboxError(
        "config",
        `subnet ${network.subnetID} does not exist in ${network.region}; set CRABBOX_AWS_SUBNET_ID to a subnet of that region, or unset it to use the default VPC`,
        { field: "CRABBOX_AWS_SUBNET_ID", provider: "aws" },
      );
    const subnets = await client
      .send(new DescribeSubnetsCommand({ SubnetIds: [network.subnetID] }), { abortSignal: signal })
      .catch((error: unknown) => {
        // EC2 answers an unknown ID with an error, not an empty list.
        throw errorCodeOf(error) === "InvalidSubnetID.NotFound" ? notFound() : error;
      });
    const vpc = subnets.Subnets?.[0]?.VpcId;
    if (vpc) return vpc;
    throw notFound();
  }
  const vpcs = await client.send(
    new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }),
    {
      abortSignal: signal,
    },
  );
  const vpc = vpcs.Vpcs?.[0]?.VpcId;
  if (!vpc)
    throw new CrabboxError(
      "config",
      `no default VPC in ${network.region}; configure a subnet and security group`,
    );
  return vpc;
}

/**
 * Deletes the groups tagged with the lease, after `released()` says no instance holds them,
 * waiting out the DependencyViolation EC2 answers for a while after termination.
 */
export async function deleteLeaseGroups(
  client: EC2Client,
  leaseID: string,
  released: () => Promise<void>,
  retry: GroupRetry,
): Promise<void> {
  const groups = await client.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "tag:lease", Values: [leaseID] },
        { Name: "tag:crabbox", Values: ["true"] },
      ],
    }),
  );
  const owned = (groups.SecurityGroups ?? []).filter(
    (g) => tagValue(g.Tags, "lease") === leaseID && g.GroupId,
  );
  if (owned.length === 0) return;
  await released();
  for (const group of owned) await deleteGroup(client, group.GroupId!, retry);
}
