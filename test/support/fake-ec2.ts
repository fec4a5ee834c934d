/**
 * A loopback fake of the EC2 Query API (form-encoded `Action=…&Version=2016-11-15` POSTs,
 * XML answers, `<Response><Errors><Error><Code>` failures), modelled on the public API
 * reference for the calls Crabbox makes. State is per region; the region is read from the
 * request's SigV4 credential scope, as the real endpoints are per region. RunInstances
 * honours ClientToken idempotency. Faults: capacity/quota/spot refusals per type and
 * market, 5xx, throttling (503 RequestLimitExceeded or 429 + Retry-After), hangs, and
 * "late" calls that take effect without answering.
 */

export interface FakeInstance {
  id: string;
  region: string;
  imageId: string;
  type: string;
  keyName: string;
  groupIds: string[];
  state: "pending" | "running" | "shutting-down" | "terminated";
  ip: string | null;
  ipAfterPolls: number;
  spot: boolean;
  clientToken: string;
  tags: Record<string, string>;
  volumeTags: Record<string, string>;
  userData: string;
  /** Exists (it holds its group) but Describe and Terminate do not see it yet. */
  hidden?: boolean;
  /** DeleteSecurityGroup calls still refused after it reached `terminated` (its ENI lingers). */
  groupHold?: number;
}

export interface FakeKeyPair {
  region: string;
  name: string;
  id: string;
  publicKey: string;
  tags: Record<string, string>;
}

export interface FakeGroup {
  region: string;
  id: string;
  name: string;
  vpcId: string;
  description: string;
  tags: Record<string, string>;
  ingress: Array<{ protocol: string; port: number; cidr: string; description?: string }>;
}

export type Ec2Fault =
  | { kind: "error"; status?: number; code: string; message?: string }
  | { kind: "throttle" }
  | { kind: "rate_limit"; retryAfterSeconds: number }
  | { kind: "server_error" }
  | { kind: "hang" }
  | { kind: "late" }
  /**
   * Takes effect but never answers, and what it made stays invisible to Describe calls until
   * the test calls `releaseDeferred()`: a launch that shows up only after the caller gave up.
   */
  | { kind: "deferred" };

export interface Ec2FaultRule {
  action: string;
  fault: Ec2Fault;
  times?: number;
}

export interface Ec2Request {
  action: string;
  region: string;
  params: URLSearchParams;
  signed: boolean;
  fault?: Ec2Fault["kind"];
}

interface Image {
  id: string;
  owner: string;
  name: string;
  created: string;
  arch: string;
}

const images: Image[] = [
  {
    id: "ami-0a1b2c3d4e5f60001",
    owner: "099720109477",
    name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20260101",
    created: "2026-01-01T00:00:00.000Z",
    arch: "x86_64",
  },
  {
    id: "ami-0a1b2c3d4e5f60002",
    owner: "099720109477",
    name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261101",
    created: "2026-11-01T00:00:00.000Z",
    arch: "x86_64",
  },
  {
    id: "ami-0a1b2c3d4e5f60003",
    owner: "099720109477",
    name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20261120",
    created: "2026-11-20T00:00:00.000Z",
    arch: "arm64",
  },
  {
    id: "ami-0a1b2c3d4e5f60004",
    owner: "111111111111",
    name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261127",
    created: "2026-11-27T00:00:00.000Z",
    arch: "x86_64",
  },
  {
    id: "ami-0a1b2c3d4e5f60005",
    owner: "amazon",
    name: "Windows_Server-2022-English-Full-Base-2026.11.12",
    created: "2026-11-12T00:00:00.000Z",
    arch: "x86_64",
  },
];

export class FakeEc2 {
  readonly accessKeyId = "AKIAFAKEFAKEFAKE";
  readonly secretAccessKey = "fake-secret-key";
  readonly instances = new Map<string, FakeInstance>();
  readonly keyPairs = new Map<string, FakeKeyPair>();
  readonly groups = new Map<string, FakeGroup>();
  readonly requests: Ec2Request[] = [];
  /** Subnets that exist, by ID, with their VPC; any other ID is InvalidSubnetID.NotFound. */
  readonly subnets = new Map<string, string>();
  /** `"<type>/<spot|on-demand>"` or `"<region>/<type>/<market>"` → refusal code for RunInstances. */
  readonly refusals = new Map<string, string>();
  /** Describes of a new instance before its public IP shows up. */
  ipAfterPolls = 1;
  /**
   * DeleteSecurityGroup calls answered DependencyViolation after an instance holding the group
   * reached `terminated`: EC2 releases the instance's network interface some time later
   * (docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSecurityGroup.html:
   * DependencyViolation while the group is "associated with an instance or network interface").
   */
  groupHoldCalls = 2;
  /**
   * Actions the caller's IAM policy does not allow: `UnauthorizedOperation` (403), with or
   * without DryRun (docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
   */
  readonly denied = new Set<string>();
  /**
   * The regions DescribeRegions knows, with their opt-in status (API_DescribeRegions.html:
   * `opt-in-not-required`, `opted-in` or `not-opted-in`); only enabled regions offer types.
   */
  readonly regions = new Map<string, string>([
    ["eu-west-1", "opt-in-not-required"],
    ["eu-central-1", "opt-in-not-required"],
    ["us-east-1", "opt-in-not-required"],
    ["ap-southeast-5", "not-opted-in"],
  ]);
  /** Instance types no region offers (DescribeInstanceTypeOfferings leaves them out). */
  readonly unoffered = new Set<string>();
  /** The public IP a new instance gets; tests that SSH into "the instance" point it at loopback. */
  addressFor: (n: number) => string = ipFor;
  private deferred: Array<() => unknown> = [];
  private rules: Ec2FaultRule[] = [];
  private tokens = new Map<string, { fingerprint: string; instanceId: string }>();
  private counter = 0x1000;

  inject(...rules: Ec2FaultRule[]): void {
    this.rules.push(...rules.map((r) => ({ ...r, times: r.times ?? 1 })));
  }

  /** Applies the effects of "deferred" requests, in order. */
  releaseDeferred(): void {
    for (const effect of this.deferred.splice(0)) effect();
  }

  clearFaults(): void {
    this.rules = [];
  }

  reset(): void {
    this.instances.clear();
    this.keyPairs.clear();
    this.groups.clear();
    this.subnets.clear();
    this.deferred = [];
    this.requests.length = 0;
    this.refusals.clear();
    this.tokens.clear();
    this.rules = [];
    this.ipAfterPolls = 1;
    this.groupHoldCalls = 2;
    this.denied.clear();
    this.unoffered.clear();
  }

  /** What still exists (terminated instances are gone for this purpose). */
  inventory(): { instances: FakeInstance[]; keyPairs: FakeKeyPair[]; groups: FakeGroup[] } {
    return {
      instances: [...this.instances.values()].filter((i) => i.state !== "terminated"),
      keyPairs: [...this.keyPairs.values()],
      groups: [...this.groups.values()],
    };
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
    this.handle(new Request(input, init));

  async handle(request: Request): Promise<Response> {
    const params = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
    const action = params.get("Action") ?? "";
    const auth = request.headers.get("authorization") ?? "";
    const scope = /Credential=([^/]+)\/\d{8}\/([a-z0-9-]+)\/ec2\/aws4_request/.exec(auth);
    const recorded: Ec2Request = {
      action,
      region: scope?.[2] ?? "",
      params,
      signed: scope?.[1] === this.accessKeyId && /Signature=[0-9a-f]{64}/.test(auth),
    };
    this.requests.push(recorded);
    if (!recorded.signed)
      return errorXML(401, "AuthFailure", "AWS was not able to validate the provided access credentials");
    if (params.get("Version") !== "2016-11-15") return errorXML(400, "InvalidParameterValue", "bad Version");
    const fault = this.takeFault(action);
    recorded.fault = fault?.kind;
    switch (fault?.kind) {
      case undefined:
        if (this.denied.has(action))
          return errorXML(403, "UnauthorizedOperation", "You are not authorized to perform this operation.");
        // DryRun checks the permission and makes no change: "If you have the required
        // permissions, the error response is DryRunOperation. Otherwise, it is
        // UnauthorizedOperation." (API_RunInstances.html, API_CreateSecurityGroup.html, …)
        if (params.get("DryRun") === "true")
          return errorXML(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.");
        return this.route(action, recorded.region, params);
      case "error":
        return errorXML(fault.status ?? 400, fault.code, fault.message ?? fault.code);
      case "throttle":
        return errorXML(503, "RequestLimitExceeded", "Request limit exceeded.");
      case "rate_limit":
        return new Response(errorBody("Throttling", "Rate exceeded"), {
          status: 429,
          headers: { "content-type": "text/xml", "retry-after": String(fault.retryAfterSeconds) },
        });
      case "server_error":
        return errorXML(500, "InternalError", "An internal error has occurred");
      case "hang":
        return hang(request.signal);
      case "late":
        this.route(action, recorded.region, params);
        return hang(request.signal);
      case "deferred": {
        const before = new Set(this.instances.keys());
        this.route(action, recorded.region, params);
        const made = [...this.instances.values()].filter((i) => !before.has(i.id));
        for (const instance of made) instance.hidden = true;
        this.deferred.push(() => {
          for (const instance of made) instance.hidden = false;
        });
        return hang(request.signal);
      }
    }
  }

  async listen(): Promise<{ url: string; close: () => Promise<void> }> {
    const { serveOnLoopback } = await import("./loopback-server");
    return serveOnLoopback((request) => this.handle(request));
  }

  private takeFault(action: string): Ec2Fault | undefined {
    const rule = this.rules.find((r) => (r.times ?? 0) > 0 && r.action === action);
    if (!rule) return undefined;
    rule.times = (rule.times ?? 1) - 1;
    return rule.fault;
  }

  private id(prefix: string): string {
    this.counter += 1;
    return `${prefix}-0${this.counter.toString(16).padStart(16, "0")}`;
  }

  private route(action: string, region: string, p: URLSearchParams): Response {
    switch (action) {
      case "ImportKeyPair":
        return this.importKeyPair(region, p);
      case "DescribeKeyPairs":
        return this.describeKeyPairs(region, p);
      case "DeleteKeyPair":
        return this.deleteKeyPair(region, p);
      case "DescribeVpcs":
        return ok(
          action,
          x(
            "vpcSet",
            item(x("vpcId", `vpc-default-${region}`) + x("isDefault", "true") + x("state", "available")),
          ),
        );
      case "DescribeSubnets": {
        // An unknown ID fails the whole call (docs.aws.amazon.com/AWSEC2/latest/APIReference/
        // errors-overview.html: "InvalidSubnetID.NotFound: The specified subnet does not exist").
        const missing = list(p, "SubnetId").find((id) => !this.subnets.has(id));
        if (missing)
          return errorXML(400, "InvalidSubnetID.NotFound", `The subnet ID '${missing}' does not exist`);
        return ok(
          action,
          x(
            "subnetSet",
            list(p, "SubnetId")
              .map((id) => item(x("subnetId", id) + x("vpcId", this.subnets.get(id)!)))
              .join(""),
          ),
        );
      }
      case "CreateSecurityGroup":
        return this.createGroup(region, p);
      case "DescribeSecurityGroups":
        return this.describeGroups(region, p);
      case "AuthorizeSecurityGroupIngress":
        return this.authorize(region, p);
      case "DeleteSecurityGroup":
        return this.deleteGroup(region, p);
      case "DescribeImages":
        return this.describeImages(p);
      case "RunInstances":
        return this.runInstances(region, p);
      case "DescribeInstances":
        return this.describeInstances(region, p);
      case "TerminateInstances":
        return this.terminate(region, p);
      case "CreateTags":
        return this.createTags(region, p);
      case "DescribeSpotPriceHistory":
        return this.spotPrices(region, p);
      case "DescribeAccountAttributes":
        // API_DescribeAccountAttributes.html: attributeNameSet of name / attributeValueSet.
        return ok(
          action,
          x(
            "accountAttributeSet",
            item(
              x("attributeName", "default-vpc") +
                x("attributeValueSet", item(x("attributeValue", `vpc-default-${region}`))),
            ),
          ),
        );
      case "DescribeRegions":
        return this.describeRegions(p);
      case "DescribeInstanceTypeOfferings":
        return this.typeOfferings(region, p);
      default:
        return errorXML(400, "InvalidAction", `The action ${action} is not valid for this web service.`);
    }
  }

  /** API_DescribeRegions.html: an unknown RegionName fails the call; AllRegions adds opt-in ones. */
  private describeRegions(p: URLSearchParams): Response {
    const names = list(p, "RegionName");
    const unknown = names.find((n) => !this.regions.has(n));
    if (unknown) return errorXML(400, "InvalidParameterValue", `Invalid region names: ${unknown}`);
    const all = p.get("AllRegions") === "true" || names.length > 0;
    const shown = [...this.regions].filter(
      ([name, optIn]) => (names.length === 0 || names.includes(name)) && (all || optIn !== "not-opted-in"),
    );
    return ok(
      "DescribeRegions",
      x(
        "regionInfo",
        shown
          .map(([name, optIn]) =>
            item(
              x("regionName", name) +
                x("regionEndpoint", `ec2.${name}.amazonaws.com`) +
                x("optInStatus", optIn),
            ),
          )
          .join(""),
      ),
    );
  }

  /** API_DescribeInstanceTypeOfferings.html: LocationType region, filtered by `instance-type`. */
  private typeOfferings(region: string, p: URLSearchParams): Response {
    const wanted = filtersOf(p).find((f) => f.name === "instance-type")?.values ?? [];
    const enabled = this.regions.get(region) !== "not-opted-in";
    const offered = enabled ? wanted.filter((t) => !this.unoffered.has(t)) : [];
    return ok(
      "DescribeInstanceTypeOfferings",
      x(
        "instanceTypeOfferingSet",
        offered
          .map((t) => item(x("instanceType", t) + x("locationType", "region") + x("location", region)))
          .join(""),
      ),
    );
  }

  private importKeyPair(region: string, p: URLSearchParams): Response {
    const name = p.get("KeyName") ?? "";
    if ([...this.keyPairs.values()].some((k) => k.region === region && k.name === name)) {
      return errorXML(400, "InvalidKeyPair.Duplicate", `The keypair '${name}' already exists.`);
    }
    const material = atob(p.get("PublicKeyMaterial") ?? "");
    if (!importableKey(material))
      return errorXML(400, "InvalidKeyPair.Format", "Key is not in valid OpenSSH public key format");
    const key: FakeKeyPair = {
      region,
      name,
      id: this.id("key"),
      publicKey: material,
      tags: tagSpec(p, "key-pair"),
    };
    this.keyPairs.set(`${region}/${name}`, key);
    return ok(
      "ImportKeyPair",
      x("keyFingerprint", "fa:ke") + x("keyName", name) + x("keyPairId", key.id) + tagSet(key.tags),
    );
  }

  private describeKeyPairs(region: string, p: URLSearchParams): Response {
    const names = list(p, "KeyName");
    const ids = list(p, "KeyPairId");
    const filters = filtersOf(p);
    const keys = [...this.keyPairs.values()].filter(
      (k) =>
        k.region === region &&
        (names.length === 0 || names.includes(k.name)) &&
        (ids.length === 0 || ids.includes(k.id)) &&
        matches(filters, (name) =>
          name === "key-name" ? [k.name] : name.startsWith("tag:") ? [k.tags[name.slice(4)] ?? ""] : [],
        ),
    );
    // A named key or id that does not exist fails the call (API_DescribeKeyPairs.html,
    // errors-overview.html: InvalidKeyPair.NotFound).
    const missing =
      names.find((n) => !keys.some((k) => k.name === n)) ?? ids.find((id) => !keys.some((k) => k.id === id));
    if (missing) return errorXML(400, "InvalidKeyPair.NotFound", `The key pair '${missing}' does not exist`);
    const withKey = p.get("IncludePublicKey") === "true";
    return ok(
      "DescribeKeyPairs",
      x(
        "keySet",
        keys
          .map((k) =>
            item(
              x("keyPairId", k.id) +
                x("keyName", k.name) +
                x("keyFingerprint", "fa:ke") +
                (withKey ? x("publicKey", k.publicKey) : "") +
                tagSet(k.tags),
            ),
          )
          .join(""),
      ),
    );
  }

  private deleteKeyPair(region: string, p: URLSearchParams): Response {
    // EC2 answers success for a key that does not exist; KeyName or KeyPairId names it.
    const byId = [...this.keyPairs.values()].find((k) => k.region === region && k.id === p.get("KeyPairId"));
    this.keyPairs.delete(byId ? `${region}/${byId.name}` : `${region}/${p.get("KeyName") ?? ""}`);
    return ok("DeleteKeyPair", x("return", "true"));
  }

  private createGroup(region: string, p: URLSearchParams): Response {
    const name = p.get("GroupName") ?? "";
    const vpcId = p.get("VpcId") ?? "";
    if (!p.get("GroupDescription"))
      return errorXML(400, "MissingParameter", "The request must contain the parameter GroupDescription");
    if ([...this.groups.values()].some((g) => g.region === region && g.name === name && g.vpcId === vpcId)) {
      return errorXML(
        400,
        "InvalidGroup.Duplicate",
        `The security group '${name}' already exists for VPC '${vpcId}'`,
      );
    }
    const group: FakeGroup = {
      region,
      id: this.id("sg"),
      name,
      vpcId,
      description: p.get("GroupDescription") ?? "",
      tags: tagSpec(p, "security-group"),
      ingress: [],
    };
    this.groups.set(group.id, group);
    return ok("CreateSecurityGroup", x("return", "true") + x("groupId", group.id) + tagSet(group.tags));
  }

  private describeGroups(region: string, p: URLSearchParams): Response {
    const filters = filtersOf(p);
    const ids = list(p, "GroupId");
    const missing = ids.find((id) => this.groups.get(id)?.region !== region);
    if (missing)
      return errorXML(400, "InvalidGroup.NotFound", `The security group '${missing}' does not exist`);
    const all = [...this.groups.values()].filter(
      (g) =>
        g.region === region &&
        (ids.length === 0 || ids.includes(g.id)) &&
        matches(filters, (name) =>
          name === "group-name"
            ? [g.name]
            : name === "vpc-id"
              ? [g.vpcId]
              : name.startsWith("tag:")
                ? [g.tags[name.slice(4)] ?? ""]
                : [],
        ),
    );
    const paged = page(p, all, "DescribeSecurityGroups", ids.length > 0 ? "GroupId" : undefined);
    if (paged instanceof Response) return paged;
    const groups = paged.items;
    return ok(
      "DescribeSecurityGroups",
      paged.next +
        x(
          "securityGroupInfo",
          groups
            .map((g) =>
              item(
                x("ownerId", "123456789012") +
                  x("groupId", g.id) +
                  x("groupName", g.name) +
                  x("groupDescription", g.description) +
                  x("vpcId", g.vpcId) +
                  tagSet(g.tags),
              ),
            )
            .join(""),
        ),
    );
  }

  private authorize(region: string, p: URLSearchParams): Response {
    const group = this.groups.get(p.get("GroupId") ?? "");
    if (!group || group.region !== region)
      return errorXML(400, "InvalidGroup.NotFound", "The security group does not exist");
    const rules: FakeGroup["ingress"] = [];
    for (let n = 1; p.has(`IpPermissions.${n}.IpProtocol`); n++) {
      const prefix = `IpPermissions.${n}`;
      const port = Number(p.get(`${prefix}.FromPort`));
      if (port !== Number(p.get(`${prefix}.ToPort`)))
        return errorXML(400, "InvalidParameterValue", "crabbox only opens single ports");
      for (let m = 1; p.has(`${prefix}.IpRanges.${m}.CidrIp`); m++) {
        rules.push({
          protocol: p.get(`${prefix}.IpProtocol`) ?? "",
          port,
          cidr: p.get(`${prefix}.IpRanges.${m}.CidrIp`) ?? "",
          description: p.get(`${prefix}.IpRanges.${m}.Description`) ?? undefined,
        });
      }
      for (let m = 1; p.has(`${prefix}.Ipv6Ranges.${m}.CidrIpv6`); m++) {
        rules.push({
          protocol: p.get(`${prefix}.IpProtocol`) ?? "",
          port,
          cidr: p.get(`${prefix}.Ipv6Ranges.${m}.CidrIpv6`) ?? "",
          description: p.get(`${prefix}.Ipv6Ranges.${m}.Description`) ?? undefined,
        });
      }
    }
    if (
      rules.some((r) =>
        group.ingress.some((e) => e.port === r.port && e.cidr === r.cidr && e.protocol === r.protocol),
      )
    ) {
      return errorXML(400, "InvalidPermission.Duplicate", "the specified rule already exists");
    }
    group.ingress.push(...rules);
    return ok("AuthorizeSecurityGroupIngress", x("return", "true"));
  }

  private deleteGroup(region: string, p: URLSearchParams): Response {
    const group = this.groups.get(p.get("GroupId") ?? "");
    if (!group || group.region !== region)
      return errorXML(400, "InvalidGroup.NotFound", "The security group does not exist");
    const holders = [...this.instances.values()].filter((i) => i.groupIds.includes(group.id));
    const lingering = holders.filter((i) => i.state === "terminated" && (i.groupHold ?? 0) > 0);
    if (holders.some((i) => i.state !== "terminated") || lingering.length > 0) {
      for (const i of lingering) i.groupHold = (i.groupHold ?? 0) - 1;
      return errorXML(400, "DependencyViolation", `resource ${group.id} has a dependent object`);
    }
    this.groups.delete(group.id);
    return ok("DeleteSecurityGroup", x("return", "true"));
  }

  private describeImages(p: URLSearchParams): Response {
    const owners = list(p, "Owner");
    const filters = filtersOf(p);
    const found = images.filter(
      (i) =>
        (owners.length === 0 || owners.includes(i.owner)) &&
        matches(filters, (name) =>
          name === "name"
            ? [i.name]
            : name === "architecture"
              ? [i.arch]
              : name === "root-device-type"
                ? ["ebs"]
                : name === "virtualization-type"
                  ? ["hvm"]
                  : name === "state"
                    ? ["available"]
                    : [],
        ),
    );
    return ok(
      "DescribeImages",
      x(
        "imagesSet",
        found
          .map((i) =>
            item(
              x("imageId", i.id) +
                x("name", i.name) +
                x("imageOwnerId", i.owner) +
                x("creationDate", i.created) +
                x("architecture", i.arch),
            ),
          )
          .join(""),
      ),
    );
  }

  /**
   * ClientToken as "Ensuring idempotency in Amazon EC2 API requests" describes it
   * (docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html, "RunInstances
   * idempotency"): a case-sensitive string of up to 64 ASCII characters; a repeat with the
   * same token and parameters returns the original reservation (only the state may differ),
   * also after the instance terminated (the token stays valid for at least 24 hours after
   * termination); the same token with other parameters is IdempotentParameterMismatch; the
   * same token in another region launches there (tokens are per region).
   */
  private runInstances(region: string, p: URLSearchParams): Response {
    const token = p.get("ClientToken") ?? "";
    // The limit is documented; the error code for breaking it is this fake's assumption.
    if (token.length > 64 || !/^[\x20-\x7e]*$/.test(token))
      return errorXML(400, "InvalidParameterValue", "ClientToken must be at most 64 ASCII characters");
    const type = p.get("InstanceType") ?? "";
    const spot = p.get("InstanceMarketOptions.MarketType") === "spot";
    const fingerprint = [...p.entries()]
      .filter(([k]) => k !== "ClientToken")
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join("&");
    if (token) {
      const seen = this.tokens.get(`${region}/${token}`);
      if (seen && seen.fingerprint !== fingerprint) {
        return errorXML(
          400,
          "IdempotentParameterMismatch",
          "The client token you have provided is associated with a resource that is already deleted or has different parameters",
        );
      }
      const existing = seen && this.instances.get(seen.instanceId);
      if (existing) return ok("RunInstances", reservation(existing));
    }
    const keyName = p.get("KeyName") ?? "";
    if (!this.keyPairs.has(`${region}/${keyName}`))
      return errorXML(400, "InvalidKeyPair.NotFound", `The key pair '${keyName}' does not exist`);
    const groupIds = [...list(p, "SecurityGroupId"), ...list(p, "NetworkInterface.1.SecurityGroupId")];
    for (const g of groupIds) {
      if (!this.groups.has(g))
        return errorXML(400, "InvalidGroup.NotFound", `The security group '${g}' does not exist`);
    }
    if (!images.some((i) => i.id === p.get("ImageId"))) {
      return errorXML(400, "InvalidAMIID.NotFound", `The image id '[${p.get("ImageId")}]' does not exist`);
    }
    const market = spot ? "spot" : "on-demand";
    const refusal =
      this.refusals.get(`${region}/${type}/${market}`) ?? this.refusals.get(`${type}/${market}`);
    if (refusal)
      return errorXML(
        refusal === "InsufficientInstanceCapacity" ? 500 : 400,
        refusal,
        `refused ${type} ${market} in ${region}: ${refusal}`,
      );
    const instance: FakeInstance = {
      id: this.id("i"),
      region,
      imageId: p.get("ImageId") ?? "",
      type,
      keyName,
      groupIds,
      state: "pending",
      ip: null,
      ipAfterPolls: this.ipAfterPolls,
      spot,
      clientToken: token,
      tags: tagSpec(p, "instance"),
      volumeTags: tagSpec(p, "volume"),
      userData: atob(p.get("UserData") ?? ""),
    };
    if (instance.ipAfterPolls <= 0) instance.ip = this.addressFor(this.counter);
    this.instances.set(instance.id, instance);
    if (token) this.tokens.set(`${region}/${token}`, { fingerprint, instanceId: instance.id });
    return ok("RunInstances", reservation(instance));
  }

  private describeInstances(region: string, p: URLSearchParams): Response {
    const ids = list(p, "InstanceId");
    const filters = filtersOf(p);
    const visible = (id: string) => {
      const i = this.instances.get(id);
      return i !== undefined && i.region === region && !i.hidden;
    };
    const missing = ids.find((id) => !visible(id));
    if (missing)
      return errorXML(400, "InvalidInstanceID.NotFound", `The instance ID '${missing}' does not exist`);
    const found = [...this.instances.values()].filter(
      (i) =>
        i.region === region &&
        !i.hidden &&
        (ids.length === 0 || ids.includes(i.id)) &&
        matches(filters, (name) =>
          name === "instance-state-name"
            ? [i.state]
            : name.startsWith("tag:")
              ? [i.tags[name.slice(4)] ?? ""]
              : [],
        ),
    );
    const paged = page(p, found, "DescribeInstances", ids.length > 0 ? "InstanceId" : undefined);
    if (paged instanceof Response) return paged;
    for (const i of paged.items) this.advance(i);
    return ok(
      "DescribeInstances",
      x("reservationSet", paged.items.map((i) => item(reservationBody(i))).join("")) + paged.next,
    );
  }

  private advance(instance: FakeInstance): void {
    if (instance.state === "pending") {
      instance.ipAfterPolls -= 1;
      if (instance.ipAfterPolls <= 0) {
        instance.state = "running";
        instance.ip = this.addressFor(Number.parseInt(instance.id.slice(3), 16));
      }
    } else if (instance.state === "shutting-down") {
      instance.state = "terminated";
      instance.ip = null;
      instance.groupHold = this.groupHoldCalls;
    }
  }

  private terminate(region: string, p: URLSearchParams): Response {
    const ids = list(p, "InstanceId");
    const visible = (id: string) => {
      const i = this.instances.get(id);
      return i !== undefined && i.region === region && !i.hidden;
    };
    const missing = ids.find((id) => !visible(id));
    if (missing)
      return errorXML(400, "InvalidInstanceID.NotFound", `The instance ID '${missing}' does not exist`);
    const changes = ids.map((id) => {
      const i = this.instances.get(id)!;
      const previous = i.state;
      if (i.state !== "terminated") i.state = "shutting-down";
      return item(
        x("instanceId", id) + x("currentState", state(i.state)) + x("previousState", state(previous)),
      );
    });
    return ok("TerminateInstances", x("instancesSet", changes.join("")));
  }

  private createTags(region: string, p: URLSearchParams): Response {
    const tags = tagsAt(p, "Tag");
    // Any taggable resource id: instances, security groups, key pairs (key-…)
    // (docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTags.html).
    const targets = list(p, "ResourceId").map((id) => {
      const instance = this.instances.get(id);
      if (instance?.region === region) return instance.tags;
      const group = this.groups.get(id);
      if (group?.region === region) return group.tags;
      return [...this.keyPairs.values()].find((k) => k.id === id && k.region === region)?.tags;
    });
    const missing = list(p, "ResourceId").find((_, n) => targets[n] === undefined);
    if (missing) return errorXML(400, "InvalidID", `The ID '${missing}' is not valid`);
    for (const t of targets) Object.assign(t!, tags);
    return ok("CreateTags", x("return", "true"));
  }

  private spotPrices(region: string, p: URLSearchParams): Response {
    const types = list(p, "InstanceType");
    const prices = types.flatMap((t) =>
      t === "c7a.48xlarge"
        ? [
            item(
              x("availabilityZone", `${region}a`) +
                x("instanceType", t) +
                x("productDescription", "Linux/UNIX") +
                x("spotPrice", "3.412000") +
                x("timestamp", "2026-11-28T12:00:00.000Z"),
            ),
            item(
              x("availabilityZone", `${region}b`) +
                x("instanceType", t) +
                x("productDescription", "Linux/UNIX") +
                x("spotPrice", "2.987600") +
                x("timestamp", "2026-11-28T12:00:00.000Z"),
            ),
          ]
        : [],
    );
    return ok("DescribeSpotPriceHistory", x("spotPriceHistorySet", prices.join("")) + x("nextToken", ""));
  }
}

function reservation(instance: FakeInstance): string {
  return reservationBody(instance);
}

function reservationBody(i: FakeInstance): string {
  const instance = item(
    x("instanceId", i.id) +
      x("imageId", i.imageId) +
      x("instanceState", state(i.state)) +
      x("instanceType", i.type) +
      x("keyName", i.keyName) +
      x("placement", x("availabilityZone", `${i.region}a`)) +
      (i.ip ? x("ipAddress", i.ip) : "") +
      (i.spot ? x("instanceLifecycle", "spot") : "") +
      x("clientToken", i.clientToken) +
      x("groupSet", i.groupIds.map((g) => item(x("groupId", g))).join("")) +
      tagSet(i.tags),
  );
  return (
    x("reservationId", `r-${i.id.slice(2)}`) +
    x("ownerId", "123456789012") +
    x("groupSet", "") +
    x("instancesSet", instance)
  );
}

const stateCodes: Record<FakeInstance["state"], number> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
};

function state(name: FakeInstance["state"]): string {
  return x("code", String(stateCodes[name])) + x("name", name);
}

function ipFor(n: number): string {
  return `198.51.100.${n % 250}`;
}

/**
 * MaxResults/NextToken paging as the Describe calls document it (API_DescribeInstances.html,
 * API_DescribeSecurityGroups.html): MaxResults 5–1000, not allowed together with explicit IDs
 * (InvalidParameterCombination), NextToken opaque and tied to the call that issued it
 * (anything else is InvalidParameterValue); without MaxResults every match comes back.
 */
function page<T>(
  p: URLSearchParams,
  all: T[],
  action: string,
  idsParameter: string | undefined,
): { items: T[]; next: string } | Response {
  const maxText = p.get("MaxResults");
  if (maxText !== null && idsParameter) {
    return errorXML(
      400,
      "InvalidParameterCombination",
      `The parameter ${idsParameter}s cannot be used with the parameter maxResults`,
    );
  }
  const max = maxText === null ? all.length || 1 : Number(maxText);
  if (!Number.isInteger(max) || (maxText !== null && (max < 5 || max > 1000))) {
    return errorXML(
      400,
      "InvalidParameterValue",
      `Value ( ${maxText} ) for parameter maxResults is invalid.`,
    );
  }
  const token = p.get("NextToken");
  let start = 0;
  if (token) {
    const m = /^([A-Za-z]+):(\d+)$/.exec(atob(token));
    if (!m || m[1] !== action) return errorXML(400, "InvalidParameterValue", "Invalid value for NextToken");
    start = Number(m[2]);
  }
  const end = start + max;
  return {
    items: all.slice(start, end),
    next: end < all.length ? x("nextToken", btoa(`${action}:${end}`)) : "",
  };
}

/**
 * Whether EC2 would import this OpenSSH public key line. ImportKeyPair takes RSA (1024, 2048
 * or 4096 bits) and ED25519 keys, not ECDSA, and answers `InvalidKeyPair.Format` otherwise
 * (docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ImportKeyPair.html; UserGuide
 * create-key-pairs.html, "Supported key types"). The blob is SSH wire format (RFC 4253
 * §6.6): the key type again, then ed25519's 32-byte key or RSA's exponent and modulus.
 * Written apart from crabbox's own parser on purpose: the fake must not share its bugs.
 */
function importableKey(line: string): boolean {
  const [type, blob] = line.trim().split(/\s+/);
  if ((type !== "ssh-ed25519" && type !== "ssh-rsa") || !blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob))
    return false;
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(blob), (c) => c.charCodeAt(0));
  } catch {
    return false;
  }
  const fields: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    if (at + 4 > bytes.length) return false;
    const length =
      ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
    if (at + 4 + length > bytes.length) return false;
    fields.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  if (new TextDecoder().decode(fields[0]) !== type) return false;
  if (type === "ssh-ed25519") return fields.length === 2 && fields[1]!.length === 32;
  const modulus = fields[2];
  if (fields.length !== 3 || !modulus) return false;
  const significant = modulus[0] === 0 ? modulus.subarray(1) : modulus;
  return [1024, 2048, 4096].includes(significant.length * 8);
}

/** `Prefix.1`, `Prefix.2`, … */
function list(p: URLSearchParams, prefix: string): string[] {
  const values: string[] = [];
  for (let n = 1; p.has(`${prefix}.${n}`); n++) values.push(p.get(`${prefix}.${n}`) ?? "");
  return values;
}

function tagsAt(p: URLSearchParams, prefix: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let n = 1; p.has(`${prefix}.${n}.Key`); n++)
    tags[p.get(`${prefix}.${n}.Key`) ?? ""] = p.get(`${prefix}.${n}.Value`) ?? "";
  return tags;
}

function tagSpec(p: URLSearchParams, resourceType: string): Record<string, string> {
  for (let n = 1; p.has(`TagSpecification.${n}.ResourceType`); n++) {
    if (p.get(`TagSpecification.${n}.ResourceType`) === resourceType)
      return tagsAt(p, `TagSpecification.${n}.Tag`);
  }
  return {};
}

function filtersOf(p: URLSearchParams): Array<{ name: string; values: string[] }> {
  const filters: Array<{ name: string; values: string[] }> = [];
  for (let n = 1; p.has(`Filter.${n}.Name`); n++)
    filters.push({ name: p.get(`Filter.${n}.Name`) ?? "", values: list(p, `Filter.${n}.Value`) });
  return filters;
}

/** Every filter must match one of its values; `*` is a wildcard as in EC2. */
function matches(
  filters: Array<{ name: string; values: string[] }>,
  valuesOf: (name: string) => string[],
): boolean {
  return filters.every((f) => {
    const actual = valuesOf(f.name);
    return f.values.some((pattern) => {
      const regex = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`);
      return actual.some((a) => regex.test(a));
    });
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function tagSet(tags: Record<string, string>): string {
  return x(
    "tagSet",
    Object.entries(tags)
      .map(([k, v]) => item(x("key", k) + x("value", v)))
      .join(""),
  );
}

function x(tag: string, content: string): string {
  return `<${tag}>${content}</${tag}>`;
}

function item(content: string): string {
  return x("item", content);
}

function escapeXML(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function ok(action: string, body: string): Response {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>5f0e7a2c-0000-4000-8000-000000000000</requestId>${body}</${action}Response>`;
  return new Response(xml, { status: 200, headers: { "content-type": "text/xml;charset=UTF-8" } });
}

function errorBody(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${escapeXML(message)}</Message></Error></Errors><RequestID>5f0e7a2c-0000-4000-8000-000000000001</RequestID></Response>`;
}

function errorXML(status: number, code: string, message: string): Response {
  return new Response(errorBody(code, message), {
    status,
    headers: { "content-type": "text/xml;charset=UTF-8" },
  });
}

function hang(signal: AbortSignal): Promise<Response> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}
