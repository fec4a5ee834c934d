/**
 * The runtime-neutral heart of the ARM fake (no Node APIs, so it also runs inside workerd):
 * resources, long-running operations, referential integrity, injected faults and the token
 * endpoint. `fake-arm.ts` serves it over loopback HTTPS for the Node tests.
 *
 * What it models: client-credentials tokens (only for the configured client and secret, and
 * every ARM call must carry one of the issued bearer tokens); resource groups, virtual
 * networks with subnets, network security groups, public IPs, NICs, VMs, VM extensions and
 * managed disks with PUT / GET / PATCH / DELETE; long-running operations reported through
 * `Azure-AsyncOperation` (or `Location` only) that finish after a number of polls or a
 * time; referential integrity (a NIC used by a VM, a public IP used by a NIC or a disk
 * attached to a VM cannot be deleted); and injected faults.
 */
import { azureClassNames, azureSizesForClass } from "../../src/providers/azure/classes";

/** ARM documents are free-form JSON; the fake reads them loosely, as Azure does. */
// biome-ignore lint/suspicious/noExplicitAny: free-form JSON documents
export type ArmDocument = any;

export type ArmResourceType =
  | "resourceGroup"
  | "virtualNetwork"
  | "subnet"
  | "networkSecurityGroup"
  | "publicIPAddress"
  | "networkInterface"
  | "virtualMachine"
  | "vmExtension"
  | "disk"
  /** Not a resource: the poll of a long-running operation (for requests and faults only). */
  | "operation";

export type ArmFault =
  /** Answer at once with this ARM error (429 may carry Retry-After). */
  | { kind: "error"; status: number; code: string; message?: string; retryAfterSeconds?: number }
  /** Accept the PUT, then report the long-running operation as Failed; the resource stays, Failed. */
  | { kind: "asyncFail"; code: string; message?: string }
  /** Never answer (the client's deadline has to give up). */
  | { kind: "hang" }
  /** Never answer a PUT, yet the resource silently appears later, visible after `appearAfterMs`. */
  | { kind: "lateCreate"; appearAfterMs: number }
  /** Report the long-running operation through a `Location` header only. */
  | { kind: "locationOnly" }
  /** The operation stays InProgress for `polls` polls, each answered with this Retry-After. */
  | { kind: "slowOperation"; polls: number; retryAfterSeconds: number };

export interface ArmRequest {
  method: string;
  /** Path without query, as sent. */
  path: string;
  type?: ArmResourceType;
  name?: string;
  body?: unknown;
  at: number;
}

export interface FaultRule {
  method?: string;
  type?: ArmResourceType;
  name?: string | RegExp;
  when?: (request: ArmRequest) => boolean;
  /** How many matching requests the fault applies to; default 1. */
  times?: number;
  fault: ArmFault;
}

interface StoredResource {
  id: string;
  type: ArmResourceType;
  name: string;
  body: Record<string, unknown>;
  /** A resource created by a `lateCreate` PUT stays invisible until this time. */
  visibleAt?: number;
}

interface Operation {
  id: string;
  status: "InProgress" | "Succeeded" | "Failed";
  pollsLeft: number;
  retryAfterSeconds: number;
  doneAt: number;
  finish: () => { status: "Succeeded" | "Failed"; error?: { code: string; message: string } };
  error?: { code: string; message: string };
  /** For a create: the resource a `Location` poll returns once it is done. */
  resourceKey?: string;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeArmOptions {
  subscriptionId?: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Polls after which a long-running operation finishes; default 1. */
  lroPolls?: number;
  /** …or this much time, whichever comes first; default 2 s. */
  lroMs?: number;
  /** Items per page of a list; every list pages through `nextLink` (default 2). */
  pageSize?: number;
  /**
   * How long a NIC stays reserved for the VM whose create failed: ARM says 180 s, compressed
   * here to 80 ms by default, in proportion to the test harness's delete budget (6 passes 20 ms
   * apart, as the real 13 passes 15 s apart outlast 180 s).
   */
  nicReservationMs?: number;
}

const typeSegments: Array<[string, ArmResourceType]> = [
  ["providers/microsoft.compute/virtualmachines/*/extensions", "vmExtension"],
  ["providers/microsoft.network/virtualnetworks/*/subnets", "subnet"],
  ["providers/microsoft.compute/virtualmachines", "virtualMachine"],
  ["providers/microsoft.compute/disks", "disk"],
  ["providers/microsoft.network/virtualnetworks", "virtualNetwork"],
  ["providers/microsoft.network/networksecuritygroups", "networkSecurityGroup"],
  ["providers/microsoft.network/publicipaddresses", "publicIPAddress"],
  ["providers/microsoft.network/networkinterfaces", "networkInterface"],
];

/**
 * What a read returns: ARM never echoes secrets. `osProfile.adminPassword` and
 * `osProfile.customData` are write-only on a VM (learn.microsoft.com/rest/api/compute/
 * virtual-machines/get: "customData ... is not returned in GET"; adminPassword is absent from
 * the VirtualMachines_Get examples), and an extension's `protectedSettings` are never returned
 * (learn.microsoft.com/azure/virtual-machines/extensions/custom-script-windows).
 */
function readable(type: ArmResourceType, body: Record<string, unknown>): Record<string, unknown> {
  if (type !== "virtualMachine" && type !== "vmExtension") return body;
  const copy = structuredClone(body) as ArmDocument;
  if (copy.properties?.osProfile) {
    delete copy.properties.osProfile.adminPassword;
    delete copy.properties.osProfile.customData;
  }
  if (copy.properties) delete copy.properties.protectedSettings;
  return copy;
}

/** Every size the classes name, for the SKU list (the family naming follows Azure's pattern). */
const fakeSizes = [
  ...new Set(
    (["linux", "windows"] as const).flatMap((t) =>
      azureClassNames.flatMap((c) => [...azureSizesForClass(t, c)]),
    ),
  ),
];

/** `Standard_D32ads_v6` → `standardDADSv6Family`, `Standard_F32s_v2` → `standardFSv2Family`. */
function familyOf(size: string): string {
  const m = /^Standard_([A-Z]+)\d+([a-z]*)_(v\d+)$/.exec(size);
  return m ? `standard${m[1]}${m[2]!.toUpperCase()}${m[3]}Family` : `standard${size}Family`;
}

function vcpusOf(size: string): number {
  return Number(/^Standard_[A-Z]+(\d+)/.exec(size)?.[1] ?? "2");
}

export function armError(status: number, code: string, message: string, headers?: Record<string, string>) {
  return { status, headers, body: { error: { code, message } } } satisfies FakeResponse;
}

export class FakeArm {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly requests: ArmRequest[] = [];
  tokenRequests = 0;
  baseUrl = "https://127.0.0.1";
  /** The address a public IP gets once created (direct-mode tests hand out a local machine). */
  addressFor: (name: string) => string = () => `192.0.2.${this.nextAddress++}`;
  private readonly resources = new Map<string, StoredResource>();
  private readonly operations = new Map<string, Operation>();
  private readonly rules: FaultRule[] = [];
  private readonly tokens = new Set<string>();
  private nextOperation = 1;
  private nextAddress = 10;
  private nextEtag = 1;
  /** Locations the subscription can use; `resourceSkus` lists sizes only there. */
  readonly locations = new Set(["eastus", "westeurope", "northeurope", "westus2"]);
  /** Sizes whose SKU carries a Location restriction `NotAvailableForSubscription`. */
  readonly restrictedSizes = new Set<string>();
  /** Usage limits by `name.value` (a family such as `standardDADSv6Family`, `cores`, `lowPriorityCores`). */
  readonly quotaLimits = new Map<string, number>();
  /** The caller's allowed actions on the resource group (Permissions - List For Resource Group). */
  permissions: string[] = ["*"];
  private readonly lroPolls: number;
  private readonly lroMs: number;
  private readonly pageSize: number;
  private readonly nicReservationMs: number;
  /**
   * NIC key → the VM it is reserved for, and until when. After a VM create fails, ARM keeps
   * its NIC reserved: deleting the NIC or attaching it to another VM answers 400
   * `NicReservedForAnotherVm` ("Nic(s) in request is reserved for another Virtual Machine for
   * 180 seconds. Please provide another nic(s) or retry after 180 seconds. Reserved VM: …",
   * as reported in github.com/gardenlinux/gardenlinux/issues/4133 and
   * github.com/Azure/karpenter-provider-azure/issues/92).
   */
  private readonly nicReservations = new Map<string, { vm: string; until: number }>();

  constructor(options: FakeArmOptions = {}) {
    this.subscriptionId = options.subscriptionId ?? "00000000-0000-4000-8000-000000000001";
    this.tenantId = options.tenantId ?? "00000000-0000-4000-8000-0000000000aa";
    this.clientId = options.clientId ?? "00000000-0000-4000-8000-0000000000bb";
    this.clientSecret = options.clientSecret ?? "fake-client-secret-do-not-log";
    this.lroPolls = options.lroPolls ?? 1;
    this.lroMs = options.lroMs ?? 2000;
    this.pageSize = options.pageSize ?? 2;
    this.nicReservationMs = options.nicReservationMs ?? 80;
  }

  private reservedNic(nicKey: string, forVm: string): FakeResponse | undefined {
    const reservation = this.nicReservations.get(nicKey);
    if (!reservation || Date.now() >= reservation.until || reservation.vm === forVm) return undefined;
    return armError(
      400,
      "NicReservedForAnotherVm",
      `Nic(s) in request is reserved for another Virtual Machine for 180 seconds. Please provide another ` +
        `nic(s) or retry after 180 seconds. Reserved VM: ${reservation.vm}`,
    );
  }

  private reserveNics(vm: StoredResource): void {
    const nics = (vm.body.properties as ArmDocument)?.networkProfile?.networkInterfaces ?? [];
    for (const nicRef of nics) {
      this.nicReservations.set(String(nicRef.id).toLowerCase(), {
        vm: vm.id.toLowerCase(),
        until: Date.now() + this.nicReservationMs,
      });
    }
  }

  inject(rule: FaultRule): void {
    this.rules.push({ ...rule, times: rule.times ?? 1 });
  }

  clearFaults(): void {
    this.rules.length = 0;
  }

  /** Makes a resource vanish without a request (as if an earlier step never happened). */
  drop(type: ArmResourceType, name: string): void {
    for (const [key, r] of this.resources) {
      if (r.type === type && r.name.toLowerCase() === name.toLowerCase()) this.resources.delete(key);
    }
  }

  /** Forgets every resource, operation, fault and recorded request (issued tokens stay valid). */
  reset(): void {
    this.resources.clear();
    this.operations.clear();
    this.rules.length = 0;
    this.requests.length = 0;
    this.nicReservations.clear();
  }

  rgPath(rg: string): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${rg}`;
  }

  /** Puts a resource in place as if an operator had created it (no request recorded). */
  seed(type: ArmResourceType, path: string, body: Record<string, unknown>): void {
    const name = path.split("/").pop()!;
    this.resources.set(path.toLowerCase(), {
      id: path,
      type,
      name,
      body: {
        ...body,
        id: path,
        name,
        // Every ARM resource carries an etag that changes on each write (NetworkSecurityGroup:
        // "A unique read-only string that changes whenever the resource is updated").
        etag: `W/"${this.nextEtag++}"`,
        properties: { provisioningState: "Succeeded", ...(body.properties ?? {}) },
      },
    });
  }

  /** The visible and invisible resources of a type (what really exists). */
  all(type?: ArmResourceType): Array<{ id: string; name: string; type: ArmResourceType; body: ArmDocument }> {
    this.advance();
    return [...this.resources.values()].filter((r) => !type || r.type === type);
  }

  find(type: ArmResourceType, name: string): ArmDocument {
    return this.all(type).find((r) => r.name.toLowerCase() === name.toLowerCase())?.body;
  }

  /** The last document PUT for a resource, as sent (secrets included, unlike a GET). */
  sent(type: ArmResourceType, name: string): ArmDocument {
    return this.requests
      .filter((r) => r.method === "PUT" && r.type === type && r.name?.toLowerCase() === name.toLowerCase())
      .at(-1)?.body;
  }

  requestsTo(method: string, type?: ArmResourceType, name?: string): ArmRequest[] {
    return this.requests.filter(
      (r) => r.method === method && (!type || r.type === type) && (!name || r.name === name),
    );
  }

  /** Completes every long-running operation and late create whose time has come. */
  advance(now = Date.now()): void {
    for (const op of this.operations.values()) {
      if (op.status === "InProgress" && now >= op.doneAt) this.complete(op);
    }
    for (const resource of this.resources.values()) {
      if (resource.visibleAt !== undefined && now >= resource.visibleAt) resource.visibleAt = undefined;
    }
  }

  private complete(op: Operation): void {
    const outcome = op.finish();
    op.status = outcome.status;
    op.error = outcome.error;
  }

  private visible(key: string): StoredResource | undefined {
    const resource = this.resources.get(key);
    return resource && resource.visibleAt === undefined ? resource : undefined;
  }

  private takeFault(request: ArmRequest): ArmFault | undefined {
    for (const rule of this.rules) {
      if ((rule.times ?? 0) <= 0) continue;
      if (rule.method && rule.method !== request.method) continue;
      if (rule.type && rule.type !== request.type) continue;
      if (typeof rule.name === "string" && rule.name.toLowerCase() !== request.name?.toLowerCase()) continue;
      if (rule.name instanceof RegExp && !rule.name.test(request.name ?? "")) continue;
      if (rule.when && !rule.when(request)) continue;
      rule.times = (rule.times ?? 1) - 1;
      return rule.fault;
    }
    return undefined;
  }

  /**
   * A long-running operation as ARM reports it: 201/202 with `Azure-AsyncOperation` (or
   * `Location`) and `Retry-After`; the status URL answers InProgress (202 for `Location`)
   * until done (learn.microsoft.com/azure/azure-resource-manager/management/async-operations).
   */
  private startOperation(
    finish: Operation["finish"],
    mode: "async" | "location" = "async",
    resourceKey?: string,
    slow?: { polls: number; retryAfterSeconds: number },
  ): Record<string, string> {
    const id = `op-${this.nextOperation++}`;
    const retryAfterSeconds = slow?.retryAfterSeconds ?? 0;
    this.operations.set(id, {
      id,
      status: "InProgress",
      pollsLeft: slow?.polls ?? this.lroPolls,
      retryAfterSeconds,
      doneAt: slow ? Number.POSITIVE_INFINITY : Date.now() + this.lroMs,
      finish,
      resourceKey,
    });
    const base = `${this.baseUrl}/subscriptions/${this.subscriptionId}/providers/Fake.Operations`;
    const retryAfter = String(retryAfterSeconds);
    return mode === "async"
      ? {
          "azure-asyncoperation": `${base}/operations/${id}?api-version=2024-01-01`,
          "retry-after": retryAfter,
        }
      : { location: `${base}/operationResults/${id}?api-version=2024-01-01`, "retry-after": retryAfter };
  }

  handleToken(body: string): FakeResponse {
    this.tokenRequests++;
    const form = new URLSearchParams(body);
    if (
      form.get("grant_type") !== "client_credentials" ||
      form.get("client_id") !== this.clientId ||
      form.get("client_secret") !== this.clientSecret
    ) {
      return {
        status: 401,
        body: { error: "invalid_client", error_description: "AADSTS7000215: bad secret" },
      };
    }
    const token = `fake-token-${this.tokens.size + 1}`;
    this.tokens.add(token);
    return { status: 200, body: { token_type: "Bearer", expires_in: 3600, access_token: token } };
  }

  /** Returns undefined to mean "never answer". */
  handle(
    method: string,
    rawUrl: string,
    authorization: string | undefined,
    body: unknown,
    conditions: { ifMatch?: string; ifNoneMatch?: string } = {},
  ): FakeResponse | undefined {
    this.advance();
    const url = new URL(rawUrl, this.baseUrl);
    if (!authorization?.startsWith("Bearer ") || !this.tokens.has(authorization.slice(7))) {
      return armError(401, "InvalidAuthenticationToken", "The access token is missing or invalid.");
    }
    const path = url.pathname;
    const lower = path.toLowerCase();
    const operationMatch = /\/providers\/fake\.operations\/(operations|operationresults)\/([^/]+)$/.exec(
      lower,
    );
    if (operationMatch) {
      const poll: ArmRequest = { method, path, type: "operation", name: operationMatch[2], at: Date.now() };
      this.requests.push(poll);
      // ARM throttles operation polls like any read: 429 with Retry-After
      // (learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
      const pollFault = this.takeFault(poll);
      if (pollFault?.kind === "error") {
        const headers =
          pollFault.retryAfterSeconds !== undefined
            ? { "retry-after": String(pollFault.retryAfterSeconds) }
            : undefined;
        return armError(pollFault.status, pollFault.code, pollFault.message ?? pollFault.code, headers);
      }
      if (pollFault?.kind === "hang") return undefined;
      return this.pollOperation(operationMatch[1]!, operationMatch[2]!);
    }

    const subscriptionRead = method === "GET" ? this.subscriptionRead(lower, url) : undefined;
    if (subscriptionRead) {
      this.requests.push({ method, path, at: Date.now() });
      return subscriptionRead;
    }
    const { type, name, collection } = this.classify(lower, path);
    const request: ArmRequest = { method, path, type, name, body, at: Date.now() };
    this.requests.push(request);
    if (!type) return armError(400, "InvalidResourceType", `unknown resource path ${path}`);
    if (!lower.startsWith(`/subscriptions/${this.subscriptionId}/`)) {
      return armError(404, "SubscriptionNotFound", "The subscription could not be found.");
    }

    const fault = this.takeFault(request);
    if (fault?.kind === "error") {
      const headers =
        fault.retryAfterSeconds !== undefined
          ? { "retry-after": String(fault.retryAfterSeconds) }
          : undefined;
      return armError(fault.status, fault.code, fault.message ?? `${fault.code} (injected)`, headers);
    }
    if (fault?.kind === "hang") return undefined;

    if (type !== "resourceGroup") {
      const rg = lower.split("/providers/")[0]!;
      if (!this.visible(rg))
        return armError(404, "ResourceGroupNotFound", "Resource group could not be found.");
    }
    if (collection) {
      if (method !== "GET") return armError(405, "MethodNotAllowed", "collections are read-only here");
      const prefix = `${lower}/`;
      const all = [...this.resources.entries()]
        .filter(
          ([key, r]) =>
            key.startsWith(prefix) && !key.slice(prefix.length).includes("/") && r.visibleAt === undefined,
        )
        .map(([, r]) => readable(r.type, r.body));
      // Every ARM list is paged: `value` plus a `nextLink` while more remain, to be followed
      // as given (learn.microsoft.com/rest/api/compute/virtual-machines/list: VirtualMachineListResult).
      const skip = Number(url.searchParams.get("$skiptoken") ?? "0") || 0;
      const value = all.slice(skip, skip + this.pageSize);
      const nextLink =
        skip + this.pageSize < all.length
          ? `${this.baseUrl}${path}?api-version=${url.searchParams.get("api-version") ?? ""}&$skiptoken=${skip + this.pageSize}`
          : undefined;
      return { status: 200, body: { value, ...(nextLink ? { nextLink } : {}) } };
    }
    if (method !== "GET") {
      const busy = this.busyWith(lower);
      if (busy) return busy;
    }
    switch (method) {
      case "GET": {
        const resource = this.visible(lower);
        if (resource) return { status: 200, body: readable(resource.type, resource.body) };
        // A missing group has its own code (learn.microsoft.com/rest/api/resources/resource-groups/get;
        // troubleshooting/error-not-found: "ResourceGroupNotFound").
        return type === "resourceGroup"
          ? armError(404, "ResourceGroupNotFound", `Resource group '${name}' could not be found.`)
          : armError(404, "ResourceNotFound", `The Resource '${name}' was not found.`);
      }
      case "PUT": {
        const current = this.visible(lower);
        const etag = current?.body.etag as string | undefined;
        if (
          (conditions.ifMatch && conditions.ifMatch !== etag) ||
          (conditions.ifNoneMatch === "*" && current)
        ) {
          return armError(412, "PreconditionFailed", `The resource '${name}' changed since it was read.`);
        }
        return this.put(lower, path, type, name!, body as Record<string, unknown>, fault);
      }
      case "PATCH":
        return this.patch(lower, body as Record<string, unknown>);
      case "DELETE":
        return this.delete(lower, fault);
      default:
        return armError(405, "MethodNotAllowed", method);
    }
  }

  /**
   * The read-only calls `crabbox doctor --provider azure` makes:
   * Resource SKUs - List (learn.microsoft.com/rest/api/compute/resource-skus/list: `$filter=
   * location eq '…'`, each SKU with `family`, `capabilities` such as `vCPUs` and `restrictions`
   * of type Location with reasonCode `NotAvailableForSubscription`), Usage - List
   * (learn.microsoft.com/rest/api/compute/usage/list: `name.value`, `currentValue`, `limit`),
   * and Permissions - List For Resource Group (learn.microsoft.com/rest/api/authorization/
   * permissions/list-for-resource-group: `actions` / `notActions`).
   */
  private subscriptionRead(lower: string, url: URL): FakeResponse | undefined {
    const sub = `/subscriptions/${this.subscriptionId}`;
    if (lower === `${sub}/providers/microsoft.compute/skus`) {
      const location = /location eq '([^']+)'/.exec(url.searchParams.get("$filter") ?? "")?.[1] ?? "";
      const value = this.locations.has(location)
        ? fakeSizes.map((size) => ({
            resourceType: "virtualMachines",
            name: size,
            family: familyOf(size),
            locations: [location],
            capabilities: [{ name: "vCPUs", value: String(vcpusOf(size)) }],
            restrictions: this.restrictedSizes.has(size)
              ? [{ type: "Location", values: [location], reasonCode: "NotAvailableForSubscription" }]
              : [],
          }))
        : [];
      return { status: 200, body: { value } };
    }
    const usages = /^\/subscriptions\/[^/]+\/providers\/microsoft\.compute\/locations\/([^/]+)\/usages$/.exec(
      lower,
    );
    if (usages && lower.startsWith(`${sub}/`)) {
      if (!this.locations.has(usages[1]!))
        return armError(
          404,
          "NoRegisteredProviderFound",
          `No registered resource provider found for location '${usages[1]}'.`,
        );
      const names = ["cores", "lowPriorityCores", ...new Set(fakeSizes.map(familyOf))];
      return {
        status: 200,
        body: {
          value: names.map((n) => ({
            name: { value: n, localizedValue: n },
            currentValue: 0,
            limit: this.quotaLimits.get(n) ?? 350,
            unit: "Count",
          })),
        },
      };
    }
    const permissions =
      /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.authorization\/permissions$/.exec(
        lower,
      );
    if (permissions && lower.startsWith(`${sub}/`)) {
      return { status: 200, body: { value: [{ actions: this.permissions, notActions: [] }] } };
    }
    return undefined;
  }

  /**
   * A write to a resource while an operation on it, its parent or a child is still running is
   * refused: "AnotherOperationInProgress: Wait for concurrent operation to complete"
   * (learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors);
   * the network RP words it "Another operation on this or dependent resource is in progress".
   */
  private busyWith(key: string): FakeResponse | undefined {
    for (const op of this.operations.values()) {
      const other = op.resourceKey;
      if (op.status !== "InProgress" || !other) continue;
      if (other === key || key.startsWith(`${other}/`) || other.startsWith(`${key}/`)) {
        return armError(
          409,
          "AnotherOperationInProgress",
          `Another operation on this or dependent resource is in progress. To retrieve status of the ` +
            `operation use uri: ${this.baseUrl}/subscriptions/${this.subscriptionId}/providers/Fake.Operations/operations/${op.id}`,
        );
      }
    }
    return undefined;
  }

  private classify(
    lower: string,
    path: string,
  ): { type?: ArmResourceType; name?: string; collection: boolean } {
    const rgMatch = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)(\/.*)?$/.exec(lower);
    if (!rgMatch) return { collection: false };
    const rest = rgMatch[2] ?? "";
    const name = path.split("/").pop();
    if (!rest) return { type: "resourceGroup", name, collection: false };
    for (const [pattern, type] of typeSegments) {
      const regex = new RegExp(`^/${pattern.replace(/\./g, "\\.").replace(/\*/g, "[^/]+")}(/[^/]+)?$`);
      const m = regex.exec(rest);
      if (m) return { type, name: m[1] ? name : undefined, collection: !m[1] };
    }
    return { collection: false };
  }

  private pollOperation(kind: string, id: string): FakeResponse {
    const op = this.operations.get(id);
    if (!op) return armError(404, "OperationNotFound", "no such operation");
    if (op.status === "InProgress") {
      op.pollsLeft--;
      if (op.pollsLeft <= 0) this.complete(op);
    }
    if (kind === "operationresults") {
      if (op.status === "InProgress") {
        return { status: 202, headers: { "retry-after": String(op.retryAfterSeconds) } };
      }
      if (op.status === "Failed") return armError(409, op.error!.code, op.error!.message);
      const resource = op.resourceKey ? this.visible(op.resourceKey) : undefined;
      return resource ? { status: 200, body: resource.body } : { status: 204 };
    }
    return {
      status: 200,
      headers: op.status === "InProgress" ? { "retry-after": String(op.retryAfterSeconds) } : undefined,
      body: { name: id, status: op.status, ...(op.error ? { error: op.error } : {}) },
    };
  }

  private reference(id: unknown): StoredResource | undefined {
    return typeof id === "string" ? this.visible(id.toLowerCase()) : undefined;
  }

  private put(
    key: string,
    path: string,
    type: ArmResourceType,
    name: string,
    body: Record<string, unknown>,
    fault: ArmFault | undefined,
  ): FakeResponse | undefined {
    const properties = { ...((body.properties as Record<string, unknown>) ?? {}) };
    const existing = this.resources.get(key);
    const invalid = this.validateReferences(type, key, properties, body.location as string | undefined);
    if (invalid) return invalid;
    const stored: StoredResource = {
      id: path,
      type,
      name,
      body: {
        ...body,
        id: path,
        name,
        etag: `W/"${this.nextEtag++}"`,
        properties: { ...properties, provisioningState: "Creating" },
      },
    };
    if (type === "resourceGroup") {
      stored.body.properties = { provisioningState: "Succeeded" };
      this.resources.set(key, stored);
      return { status: existing ? 200 : 201, body: stored.body };
    }
    if (type === "virtualNetwork") this.storeSubnets(path, properties);
    if (fault?.kind === "lateCreate") {
      stored.visibleAt = Date.now() + fault.appearAfterMs;
      (stored.body.properties as Record<string, unknown>).provisioningState = "Succeeded";
      this.resources.set(key, stored);
      this.afterCreate(stored);
      return undefined;
    }
    this.resources.set(key, stored);
    const failure = fault?.kind === "asyncFail" ? fault : undefined;
    const headers = this.startOperation(
      () => {
        const current = this.resources.get(key);
        if (!current)
          return { status: "Failed", error: { code: "ResourceNotFound", message: "deleted meanwhile" } };
        const props = current.body.properties as Record<string, unknown>;
        if (failure) {
          props.provisioningState = "Failed";
          if (type === "virtualMachine") this.reserveNics(current);
          return {
            status: "Failed",
            error: { code: failure.code, message: failure.message ?? failure.code },
          };
        }
        props.provisioningState = "Succeeded";
        this.afterCreate(current);
        return { status: "Succeeded" };
      },
      fault?.kind === "locationOnly" ? "location" : "async",
      key,
      fault?.kind === "slowOperation" ? fault : undefined,
    );
    return { status: existing ? 200 : 201, headers, body: readable(type, stored.body) };
  }

  private storeSubnets(vnetPath: string, properties: Record<string, unknown>): void {
    for (const subnet of (properties.subnets as Array<Record<string, unknown>>) ?? []) {
      const path = `${vnetPath}/subnets/${String(subnet.name)}`;
      this.resources.set(path.toLowerCase(), {
        id: path,
        type: "subnet",
        name: String(subnet.name),
        body: {
          ...subnet,
          id: path,
          properties: { ...(subnet.properties as object), provisioningState: "Succeeded" },
        },
      });
    }
  }

  /**
   * References must exist and be in the referring resource's region: "The virtual network
   * must exist in the same location and subscription as the network interface", and a VM's
   * NICs, a NIC's public IP and NSG likewise (learn.microsoft.com/azure/virtual-network/
   * virtual-network-network-interface, "Create a network interface"; ARM answers
   * InvalidResourceReference, learn.microsoft.com/azure/azure-resource-manager/
   * troubleshooting/common-deployment-errors).
   */
  private validateReferences(
    type: ArmResourceType,
    key: string,
    properties: Record<string, unknown>,
    location: string | undefined,
  ): FakeResponse | undefined {
    const elsewhere = (referenced: StoredResource, what: string) => {
      const where =
        referenced.type === "subnet"
          ? this.resources.get(referenced.id.toLowerCase().split("/subnets/")[0]!)
          : referenced;
      const theirs = where?.body.location as string | undefined;
      return theirs && location && theirs.toLowerCase() !== location.toLowerCase()
        ? armError(
            400,
            "InvalidResourceReference",
            `Resource ${referenced.id} referenced by resource ${key} was not found. Please make sure that the ` +
              `referenced resource exists, and that both resources are in the same region (${what} is in ${theirs}).`,
          )
        : undefined;
    };
    if (type === "networkInterface") {
      for (const config of (properties.ipConfigurations as Array<ArmDocument>) ?? []) {
        const subnet = this.reference(config?.properties?.subnet?.id);
        if (!subnet) {
          return armError(400, "InvalidResourceReference", "subnet referenced by the NIC was not found");
        }
        const subnetElsewhere = elsewhere(subnet, "the subnet's virtual network");
        if (subnetElsewhere) return subnetElsewhere;
        if (config?.properties?.publicIPAddress) {
          const ip = this.reference(config.properties.publicIPAddress.id);
          if (!ip) {
            return armError(400, "InvalidResourceReference", "public IP referenced by the NIC was not found");
          }
          const ipElsewhere = elsewhere(ip, "the public IP");
          if (ipElsewhere) return ipElsewhere;
        }
      }
      const nsgId = (properties.networkSecurityGroup as { id?: string } | undefined)?.id;
      if (nsgId) {
        const nsg = this.reference(nsgId);
        if (!nsg) return armError(400, "InvalidResourceReference", "NSG not found");
        const nsgElsewhere = elsewhere(nsg, "the network security group");
        if (nsgElsewhere) return nsgElsewhere;
      }
    }
    if (type === "virtualMachine") {
      const nics =
        ((properties.networkProfile as ArmDocument)?.networkInterfaces as Array<{ id: string }>) ?? [];
      for (const nicRef of nics) {
        const nic = this.reference(nicRef.id);
        if (!nic) return armError(400, "InvalidResourceReference", "NIC referenced by the VM was not found");
        const nicElsewhere = elsewhere(nic, "the network interface");
        if (nicElsewhere) return nicElsewhere;
        const reserved = this.reservedNic(nic.id.toLowerCase(), key);
        if (reserved) return reserved;
        const owner = (nic.body.properties as ArmDocument)?.virtualMachine?.id as string | undefined;
        if (owner && owner.toLowerCase() !== key) {
          return armError(400, "NicInUse", "The network interface is in use by another virtual machine.");
        }
      }
    }
    if (type === "vmExtension" && !this.visible(key.split("/extensions/")[0]!)) {
      return armError(404, "ParentResourceNotFound", "The parent virtual machine was not found.");
    }
    return undefined;
  }

  /** What Azure does once a create succeeds: IPs get addresses, VMs claim NICs and get disks. */
  private afterCreate(resource: StoredResource): void {
    const props = resource.body.properties as Record<string, ArmDocument>;
    if (resource.type === "publicIPAddress" && !props.ipAddress) {
      props.ipAddress = this.addressFor(resource.name);
    }
    if (resource.type === "virtualMachine") {
      for (const nicRef of props.networkProfile?.networkInterfaces ?? []) {
        const nic = this.resources.get(String(nicRef.id).toLowerCase());
        if (nic) (nic.body.properties as ArmDocument).virtualMachine = { id: resource.id };
      }
      const osDisk = props.storageProfile?.osDisk;
      if (osDisk?.name && !osDisk.diffDiskSettings) {
        const diskPath = `${resource.id.split("/providers/")[0]}/providers/Microsoft.Compute/disks/${osDisk.name}`;
        this.resources.set(diskPath.toLowerCase(), {
          id: diskPath,
          type: "disk",
          name: osDisk.name,
          body: {
            id: diskPath,
            name: osDisk.name,
            location: resource.body.location,
            properties: { provisioningState: "Succeeded", diskState: "Attached" },
            managedBy: resource.id,
          },
        });
      }
    }
  }

  private patch(key: string, body: Record<string, unknown>): FakeResponse {
    const resource = this.visible(key);
    if (!resource) return armError(404, "ResourceNotFound", "not found");
    if (body.tags) resource.body.tags = body.tags;
    return { status: 200, body: readable(resource.type, resource.body) };
  }

  private delete(key: string, fault: ArmFault | undefined): FakeResponse {
    const resource = this.resources.get(key);
    // Deleting what is not there is a success without content: the delete operations list
    // "204 No Content" (azure-rest-api-specs examples NetworkInterfaceDelete.json,
    // PublicIpAddressDelete.json, VirtualMachines_Delete, Disks_Delete).
    if (!resource || resource.visibleAt !== undefined) return { status: 204 };
    const blocker = this.deleteBlocker(resource);
    if (blocker) return blocker;
    const props = resource.body.properties as Record<string, unknown>;
    const before = props.provisioningState;
    props.provisioningState = "Deleting";
    const failure = fault?.kind === "asyncFail" ? fault : undefined;
    const headers = this.startOperation(
      () => {
        if (failure) {
          // An accepted delete can still fail in the operation; the resource stays.
          props.provisioningState = before;
          return {
            status: "Failed",
            error: { code: failure.code, message: failure.message ?? failure.code },
          };
        }
        this.remove(resource);
        return { status: "Succeeded" };
      },
      fault?.kind === "locationOnly" ? "location" : "async",
      key,
      fault?.kind === "slowOperation" ? fault : undefined,
    );
    return { status: 202, headers };
  }

  private deleteBlocker(resource: StoredResource): FakeResponse | undefined {
    const all = [...this.resources.values()];
    if (resource.type === "networkInterface") {
      const reserved = this.reservedNic(resource.id.toLowerCase(), "");
      if (reserved) return reserved;
      const user = all.find(
        (r) =>
          r.type === "virtualMachine" &&
          ((r.body.properties as ArmDocument)?.networkProfile?.networkInterfaces ?? []).some(
            (n: { id: string }) => n.id.toLowerCase() === resource.id.toLowerCase(),
          ),
      );
      if (user) {
        return armError(
          400,
          "NicInUse",
          `Network Interface ${resource.name} is used by existing resource ${user.name}.`,
        );
      }
    }
    if (resource.type === "publicIPAddress") {
      const user = all.find(
        (r) =>
          r.type === "networkInterface" &&
          ((r.body.properties as ArmDocument)?.ipConfigurations ?? []).some(
            (c: ArmDocument) =>
              String(c?.properties?.publicIPAddress?.id ?? "").toLowerCase() === resource.id.toLowerCase(),
          ),
      );
      if (user) {
        return armError(
          400,
          "PublicIPAddressCannotBeDeleted",
          `Public IP address ${resource.name} can not be deleted since it is still allocated to ${user.name}.`,
        );
      }
    }
    if (resource.type === "disk") {
      const owner = (resource.body as ArmDocument).managedBy as string | undefined;
      if (owner && this.resources.has(owner.toLowerCase())) {
        return armError(409, "OperationNotAllowed", `Disk ${resource.name} is attached to VM ${owner}.`);
      }
    }
    return undefined;
  }

  private remove(resource: StoredResource): void {
    const key = resource.id.toLowerCase();
    if (!this.resources.has(key)) return;
    this.resources.delete(key);
    for (const child of [...this.resources.keys()])
      if (child.startsWith(`${key}/`)) this.resources.delete(child);
    if (resource.type === "virtualMachine") {
      const props = resource.body.properties as Record<string, ArmDocument>;
      for (const nicRef of props.networkProfile?.networkInterfaces ?? []) {
        const nic = this.resources.get(String(nicRef.id).toLowerCase());
        if (nic) delete (nic.body.properties as ArmDocument).virtualMachine;
        // The reservation outlives the failed VM: a new VM, even of the same name, is another VM.
        const reservation = this.nicReservations.get(String(nicRef.id).toLowerCase());
        if (reservation) reservation.vm = `${reservation.vm}#deleted`;
      }
      const osDisk = props.storageProfile?.osDisk;
      for (const disk of [...this.resources.values()]) {
        if (disk.type === "disk" && String((disk.body as ArmDocument).managedBy).toLowerCase() === key) {
          (disk.body as ArmDocument).managedBy = undefined;
          if (osDisk?.deleteOption === "Delete") this.resources.delete(disk.id.toLowerCase());
        }
      }
    }
  }
}
