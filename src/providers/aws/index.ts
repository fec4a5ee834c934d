/**
 * AWS EC2 machines through `@aws-sdk/client-ec2`. Per lease: an imported key pair, a
 * security group that admits SSH only from the lease's CIDRs, and one instance launched
 * with a `ClientToken` so that a retried launch returns the first instance. Spot is tried
 * first; on-demand only for types whose spot launch was refused for capacity or market
 * reasons. Every resource is tagged with the lease, and only resources whose tags name the
 * lease are deleted.
 */
import "./xml-globals";
import {
  type _InstanceType,
  CreateTagsCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
  type Instance,
} from "@aws-sdk/client-ec2";
import { CrabboxError } from "../../errors";
import { awsLinuxClasses, awsPolicyFallback, awsWindowsClasses, serverTypeCandidates } from "../classes";
import { poolAgentCalls } from "../pool-agent/client";
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
import { defaultRetryPolicy, type RetryPolicy } from "../retrying-fetch";
import { type GroupRetry, instanceTag, leftoverCompanions } from "./companions";
import { deleteLease } from "./delete-lease";
import { ec2FetchHandler } from "./fetch-handler";
import { latestImage } from "./images";
import { crabboxInstances, instancesOfLease, toMachine } from "./instances";
import { ensureLeaseKey } from "./key-pair";
import { climbLadder, messageOf } from "./ladder";
import { clientTokenFor, type LaunchSettings, runInstance, userDataOf } from "./launch";
import { type AwsProviderOptions, assertRegion } from "./options";
import { waitForPublicIP } from "./public-ip";
import { ensureLeaseGroup, ingressCIDRs } from "./security-group";
import { tagsOf, tagValue } from "./tags";

export class AwsProvider implements Provider {
  readonly name = "aws" as const;
  private readonly clients = new Map<string, EC2Client>();
  private readonly region: string;
  private readonly regions: string[];
  private readonly policy: RetryPolicy;
  private readonly ipWaitMs: number;
  private readonly pollMs: number;
  private readonly terminateWaitMs: number;
  private readonly groupRetry: GroupRetry;
  private readonly pool: ReturnType<typeof poolAgentCalls>;

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
    this.groupRetry = {
      attempts: options.groupRetry?.attempts ?? 6,
      firstDelayMs: options.groupRetry?.firstDelayMs ?? 5_000,
      sleep: (ms) => this.policy.sleep(ms),
    };
    this.pool = poolAgentCalls("aws", options.poolAgent, (leaseID) => this.findByLease(leaseID));
  }

  /** Ready pools: the machine's pool agent says its readiness marker is written. */
  isReady(target: DeleteTarget): Promise<boolean> {
    return this.pool.isReady(target);
  }

  /** Ready pools: the machine's pool agent replaces the throw-away key, once. */
  authorizeKey(target: DeleteTarget, sshPublicKey: string): Promise<void> {
    return this.pool.authorizeKey(target, sshPublicKey);
  }

  async create(spec: MachineSpec, signal?: AbortSignal): Promise<ProvisionedMachine> {
    const userData = userDataOf(spec);
    const cidrs = this.options.securityGroupID ? [] : ingressCIDRs(spec);
    const regions = [
      ...new Set(spec.region ? [assertRegion(spec.region, "region"), ...this.regions] : this.regions),
    ];
    const attempts: ProvisionAttempt[] = [];
    for (const region of regions) {
      const adopted = (await instancesOfLease(this.client(region), spec.leaseID, signal))[0];
      if (adopted) {
        const market = adopted.InstanceLifecycle === "spot" ? "spot" : "on-demand";
        return this.finish(spec, region, adopted, market, attempts, signal);
      }
    }
    for (const region of regions) {
      let launched: { instance: Instance; market: Market } | undefined;
      try {
        launched = await this.launchInRegion(spec, region, userData, cidrs, attempts, signal);
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
      found.push(...(await instancesOfLease(this.client(region), leaseID)).map((i) => toMachine(i, region)));
    }
    return found;
  }

  /** Live instances, and the crabbox groups and key pairs no live instance's lease holds (`kind` set). */
  async list(): Promise<ProviderMachine[]> {
    const found: ProviderMachine[] = [];
    for (const region of this.searchRegions()) {
      const instances = (await crabboxInstances(this.client(region))).map((i) => toMachine(i, region));
      const live = new Set(instances.map((m) => m.labels.lease ?? ""));
      found.push(...instances, ...(await leftoverCompanions(this.client(region), region, live)));
    }
    return found;
  }

  async delete(target: DeleteTarget): Promise<DeleteOutcome> {
    const region = target.region ? assertRegion(target.region, "region") : this.region;
    return deleteLease(this.client(region), target, {
      ownGroups: !this.options.securityGroupID,
      terminateWaitMs: this.terminateWaitMs,
      pollMs: this.pollMs,
      sleep: (ms) => this.policy.sleep(ms),
      groupRetry: this.groupRetry,
    });
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

  private async launchInRegion(
    spec: MachineSpec,
    region: string,
    userData: string,
    cidrs: string[],
    attempts: ProvisionAttempt[],
    signal?: AbortSignal,
  ): Promise<{ instance: Instance; market: Market } | undefined> {
    const client = this.client(region);
    const key = await ensureLeaseKey(client, spec, signal);
    const keyName = key.name;
    const groupID =
      this.options.securityGroupID ??
      (await ensureLeaseGroup(client, spec, cidrs, { region, subnetID: this.options.subnetID }, signal));
    const image =
      spec.image ??
      this.options.amis?.[spec.target] ??
      (await latestImage(client, spec.target, region, signal));
    const settings: LaunchSettings = {
      image,
      keyName,
      groupID,
      userData,
      rootGB: this.options.rootGB ?? 400,
      ...(this.options.subnetID ? { subnetID: this.options.subnetID } : {}),
      ...(this.options.instanceProfile ? { instanceProfile: this.options.instanceProfile } : {}),
    };
    const table = spec.target === "windows" ? awsWindowsClasses : awsLinuxClasses;
    const types = serverTypeCandidates(spec, table, awsPolicyFallback[spec.target]);
    const launched = await climbLadder({
      region,
      types,
      market: spec.market,
      attempts,
      launch: (serverType, market) =>
        runInstance(
          client,
          spec,
          settings,
          { serverType, market, clientToken: clientTokenFor(spec, serverType, market, types[0]) },
          signal,
        ),
      landed: async () => (await instancesOfLease(client, spec.leaseID, signal))[0],
    });
    const instanceID = launched?.instance.InstanceId;
    const own = [...(this.options.securityGroupID ? [] : [groupID]), ...(key.id ? [key.id] : [])];
    if (instanceID && own.length > 0) {
      // The orphan sweep's proof for a group or key left behind: the instance its lease names.
      // Best effort: without the tag a leftover is only reported, never deleted.
      await client
        .send(new CreateTagsCommand({ Resources: own, Tags: [{ Key: instanceTag, Value: instanceID }] }))
        .catch(() => undefined);
    }
    return launched;
  }

  private async finish(
    spec: MachineSpec,
    region: string,
    launched: Instance,
    market: Market,
    attempts: ProvisionAttempt[],
    signal?: AbortSignal,
  ): Promise<ProvisionedMachine> {
    let instance: Instance;
    try {
      instance = await waitForPublicIP(
        this.client(region),
        launched,
        {
          waitMs: this.ipWaitMs,
          pollMs: this.pollMs,
          sleep: (ms, s) => this.policy.sleep(ms, s),
        },
        signal,
      );
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
