/**
 * AWS EC2 machines through `@aws-sdk/client-ec2`. Per lease: an imported key pair, a
 * security group that admits SSH only from the lease's CIDRs, and one instance launched
 * with `ClientToken` so that a retried launch returns the first instance. Spot is tried
 * first; on-demand only for types whose spot launch was refused for capacity or market
 * reasons. Every resource is tagged with the lease's labels, and only resources whose tags
 * name the lease are deleted.
 */
import "./xml-globals";
import {
  type _InstanceType,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSpotPriceHistoryCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Filter,
  ImportKeyPairCommand,
  type Instance,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  type Tag,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { fnv1a32, providerKeyForLease, providerMachineName } from "../../domain/ids";
import { CrabboxError } from "../../errors";
import { linuxCloudInit, sshPortsOf } from "../bootstrap/linux";
import { awsLinuxClasses, awsPolicyFallback, awsWindowsClasses, serverTypeCandidates } from "../classes";
import type {
  DeleteOutcome,
  DeleteTarget,
  MachineSpec,
  Market,
  Provider,
  ProviderMachine,
  ProvisionAttempt,
  ProvisionedMachine,
} from "../provider";
import { abortableSleep, defaultRetryPolicy, type RetryPolicy } from "../retrying-fetch";
import { attemptCategory, classifyEc2Failure, type Ec2Refusal, errorCodeOf, estimatedVcpus } from "./errors";
import { ec2FetchHandler } from "./fetch-handler";

export interface AwsProviderOptions {
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Preferred region; `eu-west-1` by default. */
  region?: string;
  /** Regions tried after the preferred one when it has no capacity or quota. */
  fallbackRegions?: string[];
  /** Endpoint per region; the public `https://ec2.<region>.amazonaws.com` unless set (tests use a fake). */
  endpoint?: (region: string) => string;
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  rootGB?: number;
  /** An operator-managed group used as is (its ingress is the operator's job). */
  securityGroupID?: string;
  subnetID?: string;
  instanceProfile?: string;
  /** Fixed AMIs; otherwise the newest Ubuntu 24.04 / Windows Server 2022 image is looked up. */
  amis?: { linux?: string; windows?: string };
  ipWaitMs?: number;
  pollMs?: number;
  /** How long delete waits for instances to terminate before removing the lease's group. */
  terminateWaitMs?: number;
}

const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const liveStates = ["pending", "running", "stopping", "stopped"];

const imageQueries = {
  linux: { owner: "099720109477", name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*" },
  windows: { owner: "amazon", name: "Windows_Server-2022-English-Full-Base-*" },
} as const;

interface RegionCompanions {
  keyName: string;
  groupID: string;
}

export class AwsProvider implements Provider {
  readonly name = "aws" as const;
  private readonly clients = new Map<string, EC2Client>();
  private readonly region: string;
  private readonly regions: string[];
  private readonly policy: RetryPolicy;
  private readonly ipWaitMs: number;
  private readonly pollMs: number;
  private readonly terminateWaitMs: number;

  constructor(private readonly options: AwsProviderOptions) {
    if (!options.credentials?.accessKeyId || !options.credentials.secretAccessKey) {
      throw new CrabboxError("config", "the AWS provider needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    }
    this.region = options.region ?? "eu-west-1";
    this.regions = [...new Set([this.region, ...(options.fallbackRegions ?? [])])];
    for (const region of this.regions) assertRegion(region, "region");
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.ipWaitMs = options.ipWaitMs ?? 600_000;
    this.pollMs = options.pollMs ?? 5_000;
    this.terminateWaitMs = options.terminateWaitMs ?? 300_000;
  }

  async create(spec: MachineSpec, signal?: AbortSignal): Promise<ProvisionedMachine> {
    const userData = this.userDataOf(spec);
    const cidrs = this.ingressCIDRs(spec);
    const regions = spec.region ? [assertRegion(spec.region, "region"), ...this.regions] : this.regions;
    const attempts: ProvisionAttempt[] = [];
    for (const region of [...new Set(regions)]) {
      const adopted = (await this.instancesOfLease(region, spec.leaseID, signal))[0];
      if (adopted)
        return this.finish(
          spec,
          region,
          adopted,
          adopted.InstanceLifecycle === "spot" ? "spot" : "on-demand",
          attempts,
          signal,
        );
    }
    for (const region of [...new Set(regions)]) {
      let launched: { instance: Instance; market: Market } | undefined;
      try {
        const companions = await this.prepareRegion(spec, region, cidrs, signal);
        const image = await this.imageFor(spec, region, signal);
        launched = await this.launchLadder(spec, region, companions, image, userData, attempts, signal);
      } catch (error) {
        throw await this.cleanUpAfterFailure(spec.leaseID, region, error);
      }
      // finish() cleans up after itself when the machine never becomes reachable.
      if (launched) return this.finish(spec, region, launched.instance, launched.market, attempts, signal);
      const failure = await this.cleanUpAfterFailure(spec.leaseID, region, undefined);
      if (failure) throw failure;
    }
    throw new CrabboxError(
      "capacity_unavailable",
      spec.serverTypeExplicit
        ? `requested exact AWS instance type ${spec.serverType} could not be launched; drop --type to allow class fallback`
        : `no AWS instance type of class ${spec.class} could be launched in ${regions.join(", ")}`,
      { attempts },
    );
  }

  async findByLease(leaseID: string): Promise<ProviderMachine[]> {
    const found: ProviderMachine[] = [];
    for (const region of this.searchRegions()) {
      found.push(...(await this.instancesOfLease(region, leaseID)).map((i) => toMachine(i, region)));
    }
    return found;
  }

  async list(): Promise<ProviderMachine[]> {
    const found: ProviderMachine[] = [];
    for (const region of this.searchRegions()) {
      const instances = await this.describeInstances(region, [
        { Name: "tag:crabbox", Values: ["true"] },
        { Name: "instance-state-name", Values: liveStates },
      ]);
      found.push(...instances.map((i) => toMachine(i, region)));
    }
    return found;
  }

  async delete(target: DeleteTarget): Promise<DeleteOutcome> {
    const region = target.region ? assertRegion(target.region, "region") : this.region;
    const client = this.client(region);
    const ids = new Set((await this.instancesOfLease(region, target.leaseID)).map((i) => i.InstanceId ?? ""));
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
    await this.deleteLeaseGroups(region, target.leaseID, [...ids]);
    await this.deleteLeaseKey(region, target.leaseID);
    return outcome;
  }

  async hourlyPriceUSD(serverType: string, region?: string): Promise<number | undefined> {
    const result = await this.client(region ? assertRegion(region, "region") : this.region).send(
      new DescribeSpotPriceHistoryCommand({
        InstanceTypes: [serverType as _InstanceType],
        ProductDescriptions: ["Linux/UNIX"],
        StartTime: new Date(),
      }),
    );
    const prices = (result.SpotPriceHistory ?? [])
      .map((p) => Number(p.SpotPrice))
      .filter((p) => Number.isFinite(p) && p > 0);
    return prices.length > 0 ? Math.min(...prices) : undefined;
  }

  async updateLabels(target: DeleteTarget, labels: Record<string, string>): Promise<void> {
    await this.client(target.region ?? this.region).send(
      new CreateTagsCommand({ Resources: [target.cloudID], Tags: tagsOf(labels) }),
    );
  }

  /**
   * The configured regions plus any a lease asked for in this process. Regions that leases
   * may request should be configured (CRABBOX_CAPACITY_REGIONS) so that inventories made
   * after a restart still cover them.
   */
  private searchRegions(): string[] {
    return [...new Set([...this.regions, ...this.clients.keys()])];
  }

  private client(region: string): EC2Client {
    let client = this.clients.get(region);
    if (!client) {
      const fetchImpl = this.options.fetch ?? ((input, init) => fetch(input, init));
      client = new EC2Client({
        region,
        credentials: this.options.credentials,
        maxAttempts: 1,
        requestHandler: ec2FetchHandler(fetchImpl, this.policy),
        ...(this.options.endpoint ? { endpoint: this.options.endpoint(region) } : {}),
      });
      this.clients.set(region, client);
    }
    return client;
  }

  private userDataOf(spec: MachineSpec): string {
    switch (spec.target) {
      case "linux":
        return linuxCloudInit(spec);
      case "windows":
        // EC2Launch v2 installs OpenSSH and authorises the key pair for Administrator; the CLI
        // then finishes the Windows bootstrap over SSH.
        return "version: 1.1\ntasks:\n  - task: enableOpenSsh\n";
    }
  }

  private ingressCIDRs(spec: MachineSpec): string[] {
    if (this.options.securityGroupID) return [];
    const cidrs = [...new Set(spec.sshCIDRs ?? [])];
    if (cidrs.length === 0) {
      throw new CrabboxError("invalid_request", "AWS leases need the SSH source CIDRs allowed to connect", {
        field: "sshCIDRs",
      });
    }
    for (const cidr of cidrs) {
      if (!isCIDR(cidr))
        throw new CrabboxError("invalid_request", `${cidr} is not an IPv4 or IPv6 CIDR`, {
          field: "sshCIDRs",
        });
    }
    return cidrs;
  }

  private async prepareRegion(
    spec: MachineSpec,
    region: string,
    cidrs: string[],
    signal?: AbortSignal,
  ): Promise<RegionCompanions> {
    const keyName = await this.ensureKey(spec, region, signal);
    const groupID =
      this.options.securityGroupID ?? (await this.ensureLeaseGroup(spec, region, cidrs, signal));
    return { keyName, groupID };
  }

  private async ensureKey(spec: MachineSpec, region: string, signal?: AbortSignal): Promise<string> {
    const client = this.client(region);
    const keyName = providerKeyForLease(spec.leaseID);
    try {
      await client.send(
        new ImportKeyPairCommand({
          KeyName: keyName,
          PublicKeyMaterial: new TextEncoder().encode(spec.sshPublicKey.trim()),
          TagSpecifications: [{ ResourceType: "key-pair", Tags: tagsOf(companionLabels(spec)) }],
        }),
        { abortSignal: signal },
      );
      return keyName;
    } catch (error) {
      if (errorCodeOf(error) !== "InvalidKeyPair.Duplicate") throw error;
    }
    // Imported by an earlier create of this lease: reuse it only if it is the same key.
    const existing = await client.send(
      new DescribeKeyPairsCommand({ KeyNames: [keyName], IncludePublicKey: true }),
      {
        abortSignal: signal,
      },
    );
    const pair = existing.KeyPairs?.[0];
    if (keyMaterial(pair?.PublicKey ?? "") !== keyMaterial(spec.sshPublicKey)) {
      throw new CrabboxError("provider_error", `AWS key pair ${keyName} exists with a different public key`);
    }
    return keyName;
  }

  private async ensureLeaseGroup(
    spec: MachineSpec,
    region: string,
    cidrs: string[],
    signal?: AbortSignal,
  ): Promise<string> {
    const client = this.client(region);
    const vpcID = await this.vpcOf(region, signal);
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
    const v4 = cidrs.filter((c) => !c.includes(":"));
    const v6 = cidrs.filter((c) => c.includes(":"));
    try {
      await client.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupID,
          IpPermissions: sshPortsOf(spec).map((port) => ({
            IpProtocol: "tcp",
            FromPort: port,
            ToPort: port,
            ...(v4.length > 0
              ? { IpRanges: v4.map((CidrIp) => ({ CidrIp, Description: "Crabbox SSH" })) }
              : {}),
            ...(v6.length > 0
              ? { Ipv6Ranges: v6.map((CidrIpv6) => ({ CidrIpv6, Description: "Crabbox SSH" })) }
              : {}),
          })),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (errorCodeOf(error) !== "InvalidPermission.Duplicate") throw error;
    }
    return groupID;
  }

  private async vpcOf(region: string, signal?: AbortSignal): Promise<string> {
    const client = this.client(region);
    if (this.options.subnetID) {
      const subnets = await client.send(new DescribeSubnetsCommand({ SubnetIds: [this.options.subnetID] }), {
        abortSignal: signal,
      });
      const vpc = subnets.Subnets?.[0]?.VpcId;
      if (vpc) return vpc;
      throw new CrabboxError("config", `subnet ${this.options.subnetID} not found in ${region}`);
    }
    const vpcs = await client.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }),
      {
        abortSignal: signal,
      },
    );
    const vpc = vpcs.Vpcs?.[0]?.VpcId;
    if (!vpc)
      throw new CrabboxError("config", `no default VPC in ${region}; configure a subnet and security group`);
    return vpc;
  }

  private async imageFor(spec: MachineSpec, region: string, signal?: AbortSignal): Promise<string> {
    const fixed = spec.image ?? this.options.amis?.[spec.target];
    if (fixed) return fixed;
    const query = imageQueries[spec.target];
    const result = await this.client(region).send(
      new DescribeImagesCommand({
        Owners: [query.owner],
        Filters: [
          { Name: "name", Values: [query.name] },
          { Name: "architecture", Values: ["x86_64"] },
          { Name: "root-device-type", Values: ["ebs"] },
          { Name: "virtualization-type", Values: ["hvm"] },
          { Name: "state", Values: ["available"] },
        ],
      }),
      { abortSignal: signal },
    );
    const newest = [...(result.Images ?? [])].sort((a, b) =>
      (b.CreationDate ?? "").localeCompare(a.CreationDate ?? ""),
    )[0];
    if (!newest?.ImageId)
      throw new CrabboxError("provider_error", `no ${spec.target} image found in ${region}`);
    return newest.ImageId;
  }

  /**
   * Spot over the candidates, then on-demand over those whose spot launch was refused for
   * capacity, market or spot quota. A vCPU quota refusal skips the types at least as big in
   * that market; an instance-count quota skips the market in this region.
   */
  private async launchLadder(
    spec: MachineSpec,
    region: string,
    companions: RegionCompanions,
    image: string,
    userData: string,
    attempts: ProvisionAttempt[],
    signal?: AbortSignal,
  ): Promise<{ instance: Instance; market: Market } | undefined> {
    const table = spec.target === "windows" ? awsWindowsClasses : awsLinuxClasses;
    const types = serverTypeCandidates(spec, table, awsPolicyFallback[spec.target]);
    const vcpuCeiling = new Map<Market, number>();
    const blockedMarkets = new Set<Market>();
    const onDemandEligible = new Set<string>(spec.market === "on-demand" ? types : []);
    const passes: Market[] = spec.market === "spot" ? ["spot", "on-demand"] : ["on-demand"];
    for (const market of passes) {
      for (const serverType of types) {
        if (market === "on-demand" && !onDemandEligible.has(serverType)) continue;
        const vcpus = estimatedVcpus(serverType);
        const ceiling = vcpuCeiling.get(market);
        if (
          blockedMarkets.has(market) ||
          (ceiling !== undefined && vcpus !== undefined && vcpus >= ceiling)
        ) {
          attempts.push({
            region,
            serverType,
            market,
            category: "quota",
            message: `skipped: ${market} quota already refused in ${region}`,
          });
          if (market === "spot") onDemandEligible.add(serverType);
          continue;
        }
        const token = clientTokenFor(spec, serverType, market, types[0]);
        try {
          const instance = await this.runInstance(
            spec,
            region,
            companions,
            image,
            userData,
            serverType,
            market,
            token,
            signal,
          );
          return { instance, market };
        } catch (error) {
          const refusal = classifyEc2Failure(error);
          if (refusal.kind === "fatal") throw error;
          attempts.push({
            region,
            serverType,
            market,
            category: attemptCategory(refusal),
            message: messageOf(error),
          });
          if (refusal.kind === "timeout") {
            const landed = (await this.instancesOfLease(region, spec.leaseID, signal))[0];
            if (landed) return { instance: landed, market };
          }
          this.noteRefusal(refusal, market, serverType, vcpus, vcpuCeiling, blockedMarkets, onDemandEligible);
        }
      }
    }
    return undefined;
  }

  private noteRefusal(
    refusal: Ec2Refusal,
    market: Market,
    serverType: string,
    vcpus: number | undefined,
    vcpuCeiling: Map<Market, number>,
    blockedMarkets: Set<Market>,
    onDemandEligible: Set<string>,
  ): void {
    switch (refusal.kind) {
      case "capacity":
      case "spot_market":
      case "timeout":
        if (market === "spot") onDemandEligible.add(serverType);
        return;
      case "vcpu_quota":
        if (vcpus !== undefined)
          vcpuCeiling.set(market, Math.min(vcpuCeiling.get(market) ?? Infinity, vcpus));
        if (market === "spot") onDemandEligible.add(serverType);
        return;
      case "market_quota":
        blockedMarkets.add(market);
        if (market === "spot") onDemandEligible.add(serverType);
        return;
      case "policy":
      case "fatal":
        return;
    }
  }

  private async runInstance(
    spec: MachineSpec,
    region: string,
    companions: RegionCompanions,
    image: string,
    userData: string,
    serverType: string,
    market: Market,
    clientToken: string,
    signal?: AbortSignal,
  ): Promise<Instance> {
    const labels = { ...spec.labels, ...ownershipLabels(spec.leaseID), server_type: serverType, market };
    const tags = tagsOf({ ...labels, Name: providerMachineName(spec.leaseID, spec.slug) });
    const input: RunInstancesCommandInput = {
      ClientToken: clientToken,
      ImageId: image,
      InstanceType: serverType as _InstanceType,
      KeyName: companions.keyName,
      MinCount: 1,
      MaxCount: 1,
      UserData: base64(userData),
      MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" },
      BlockDeviceMappings: [
        {
          DeviceName: "/dev/sda1",
          Ebs: {
            DeleteOnTermination: true,
            Encrypted: true,
            VolumeType: "gp3",
            VolumeSize: Math.max(8, this.options.rootGB ?? 400),
          },
        },
      ],
      TagSpecifications: [
        { ResourceType: "instance", Tags: tags },
        { ResourceType: "volume", Tags: tags },
        ...(market === "spot" ? [{ ResourceType: "spot-instances-request" as const, Tags: tags }] : []),
      ],
      ...(market === "spot"
        ? {
            InstanceMarketOptions: {
              MarketType: "spot",
              SpotOptions: { SpotInstanceType: "one-time", InstanceInterruptionBehavior: "terminate" },
            },
          }
        : {}),
      ...(this.options.instanceProfile ? { IamInstanceProfile: { Name: this.options.instanceProfile } } : {}),
      ...(this.options.subnetID
        ? {
            NetworkInterfaces: [
              {
                DeviceIndex: 0,
                SubnetId: this.options.subnetID,
                Groups: [companions.groupID],
                AssociatePublicIpAddress: true,
                DeleteOnTermination: true,
              },
            ],
          }
        : { SecurityGroupIds: [companions.groupID] }),
    };
    const result = await this.client(region).send(new RunInstancesCommand(input), { abortSignal: signal });
    const instance = result.Instances?.[0];
    if (!instance?.InstanceId) throw new CrabboxError("provider_error", "RunInstances returned no instance");
    return instance;
  }

  private async finish(
    spec: MachineSpec,
    region: string,
    launched: Instance,
    market: Market,
    attempts: ProvisionAttempt[],
    signal?: AbortSignal,
  ): Promise<ProvisionedMachine> {
    let instance = launched;
    try {
      const deadline = Date.now() + this.ipWaitMs;
      while (!instance.PublicIpAddress) {
        if (Date.now() >= deadline) {
          throw new CrabboxError(
            "timeout",
            `EC2 instance ${launched.InstanceId} got no public IPv4 within ${this.ipWaitMs} ms`,
          );
        }
        await (this.policy.sleep ?? abortableSleep)(this.pollMs, signal);
        instance =
          (await this.describeInstances(region, undefined, [launched.InstanceId ?? ""], signal))[0] ??
          instance;
        const state = instance.State?.Name;
        if (state === "terminated" || state === "shutting-down") {
          throw new CrabboxError(
            "capacity_unavailable",
            `EC2 instance ${launched.InstanceId} ended while starting (${state})`,
          );
        }
      }
    } catch (error) {
      throw await this.cleanUpAfterFailure(spec.leaseID, region, error, launched.InstanceId);
    }
    return {
      provider: "aws",
      cloudID: instance.InstanceId ?? "",
      name: tagValue(instance.Tags, "Name") ?? instance.InstanceId ?? "",
      serverType: instance.InstanceType ?? spec.serverType,
      region,
      market,
      host: instance.PublicIpAddress ?? "",
      sshUser: spec.sshUser,
      sshPort: spec.sshPort,
      sshFallbackPorts: spec.sshFallbackPorts,
      workRoot: spec.workRoot,
      attempts,
    };
  }

  private async instancesOfLease(region: string, leaseID: string, signal?: AbortSignal): Promise<Instance[]> {
    return this.describeInstances(
      region,
      [
        { Name: "tag:lease", Values: [leaseID] },
        { Name: "tag:crabbox", Values: ["true"] },
        { Name: "instance-state-name", Values: liveStates },
      ],
      undefined,
      signal,
    );
  }

  private async describeInstances(
    region: string,
    filters?: Filter[],
    ids?: string[],
    signal?: AbortSignal,
  ): Promise<Instance[]> {
    const instances: Instance[] = [];
    let token: string | undefined;
    do {
      try {
        const page = await this.client(region).send(
          new DescribeInstancesCommand({
            ...(filters ? { Filters: filters, MaxResults: 100 } : {}),
            ...(ids ? { InstanceIds: ids } : {}),
            ...(token ? { NextToken: token } : {}),
          }),
          { abortSignal: signal },
        );
        for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
        token = page.NextToken;
      } catch (error) {
        // A just-launched instance can be briefly unknown to Describe (eventual consistency).
        if (ids && errorCodeOf(error) === "InvalidInstanceID.NotFound") return [];
        throw error;
      }
    } while (token);
    return instances;
  }

  /** Deletes the lease's own groups (tagged with it) once its instances no longer hold them. */
  private async deleteLeaseGroups(region: string, leaseID: string, instanceIDs: string[]): Promise<void> {
    if (this.options.securityGroupID) return;
    const client = this.client(region);
    const groups = await client.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "tag:lease", Values: [leaseID] },
          { Name: "tag:crabbox", Values: ["true"] },
        ],
      }),
    );
    if ((groups.SecurityGroups ?? []).length === 0) return;
    await this.waitTerminated(region, instanceIDs);
    for (const group of groups.SecurityGroups ?? []) {
      if (tagValue(group.Tags, "lease") !== leaseID || !group.GroupId) continue;
      try {
        await client.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId }));
      } catch (error) {
        if (errorCodeOf(error) !== "InvalidGroup.NotFound") throw error;
      }
    }
  }

  private async waitTerminated(region: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const deadline = Date.now() + this.terminateWaitMs;
    for (;;) {
      const states = await this.describeInstances(region, undefined, ids);
      if (states.every((i) => i.State?.Name === "terminated")) return;
      if (Date.now() >= deadline) {
        throw new CrabboxError(
          "timeout",
          `instances ${ids.join(", ")} did not terminate within ${this.terminateWaitMs} ms`,
        );
      }
      await (this.policy.sleep ?? abortableSleep)(this.pollMs);
    }
  }

  /** Deletes the lease's key pair only when its tags name the lease. */
  private async deleteLeaseKey(region: string, leaseID: string): Promise<void> {
    const client = this.client(region);
    const keyName = providerKeyForLease(leaseID);
    let tags: Tag[] | undefined;
    try {
      const found = await client.send(new DescribeKeyPairsCommand({ KeyNames: [keyName] }));
      tags = found.KeyPairs?.[0]?.Tags;
    } catch (error) {
      if (errorCodeOf(error) === "InvalidKeyPair.NotFound") return;
      throw error;
    }
    if (tagValue(tags, "lease") !== leaseID) return;
    await client.send(new DeleteKeyPairCommand({ KeyName: keyName }));
  }

  /**
   * Removes what this lease made in a region (instances, group, key). Returns the error to
   * throw: the cause, or — when the clean-up itself failed — an error that says the caller
   * must retry delete. Returns undefined when there was no cause and clean-up succeeded.
   */
  private async cleanUpAfterFailure(
    leaseID: string,
    region: string,
    cause: unknown,
    instanceID = "",
  ): Promise<unknown> {
    try {
      await this.delete({ cloudID: instanceID, leaseID, region });
      return cause;
    } catch (cleanupError) {
      return new CrabboxError(
        "provider_error",
        `${cause ? `${messageOf(cause)}; ` : ""}clean-up of lease ${leaseID} in ${region} is incomplete (${messageOf(cleanupError)}), delete must be retried`,
        { leaseID, region, cleanup: "incomplete" },
      );
    }
  }
}

/**
 * The requested type in the requested market launches with the lease ID as its token; every
 * other (type, market) gets its own stable token. A retried ladder thus repeats each launch
 * idempotently, and no two different launches share a token (IdempotentParameterMismatch).
 */
export function clientTokenFor(
  spec: MachineSpec,
  serverType: string,
  market: Market,
  firstType?: string,
): string {
  if (serverType === firstType && market === spec.market) return spec.leaseID;
  return `${spec.leaseID}-${fnv1a32(`${serverType}/${market}`).toString(16).padStart(8, "0")}`;
}

function companionLabels(spec: MachineSpec): Record<string, string> {
  return {
    crabbox: "true",
    created_by: "crabbox",
    lease: spec.leaseID,
    owner: spec.labels.owner ?? "unknown",
  };
}

/** Tags sorted by key, so the request is stable and diffable. */
export function tagsOf(labels: Record<string, string>): Tag[] {
  return Object.keys(labels)
    .sort()
    .map((Key) => ({ Key, Value: labels[Key] }));
}

function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

function toMachine(instance: Instance, region: string): ProviderMachine {
  const labels = Object.fromEntries((instance.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
  return {
    provider: "aws",
    cloudID: instance.InstanceId ?? "",
    name: labels.Name ?? instance.InstanceId ?? "",
    status: instance.State?.Name ?? "unknown",
    serverType: instance.InstanceType ?? "",
    host: instance.PublicIpAddress,
    region,
    labels,
  };
}

function assertRegion(region: string, field: string): string {
  if (!regionPattern.test(region)) {
    throw new CrabboxError("invalid_request", `${region} is not an AWS region name`, { field });
  }
  return region;
}

function isCIDR(value: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (v4) return v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32;
  const v6 = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(value);
  return !!v6 && v6[1]!.includes(":") && Number(v6[2]) <= 128;
}

function keyMaterial(publicKey: string): string {
  return publicKey.trim().split(/\s+/).slice(0, 2).join(" ");
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return `${errorCodeOf(error)}: ${error.message}`;
  return String(error);
}

/** Whatever labels the caller passes, these prove the lease owns the resource. */
function ownershipLabels(leaseID: string): Record<string, string> {
  return { crabbox: "true", created_by: "crabbox", lease: leaseID };
}
