/**
 * Hetzner Cloud machines. Each lease gets its own SSH key and one server named after the
 * lease; the name is unique in a Hetzner project, so a create that is retried after a
 * timeout finds the first server instead of making a second one. Every server and key
 * carries the lease's labels, and only resources whose labels name the lease are deleted.
 */
import { providerMachineName } from "../../domain/ids";
import { CrabboxError, isCrabboxError } from "../../errors";
import { sleep } from "../../time/sleep";
import { linuxCloudInit } from "../bootstrap/linux";
import { hetznerClasses, serverTypeCandidates } from "../classes";
import { type PoolAgentClient, poolAgentCalls } from "../pool-agent/client";
import type {
  DeleteOutcome,
  DeleteTarget,
  MachineSpec,
  Provider,
  ProviderMachine,
  ProvisionAttempt,
  ProvisionedMachine,
} from "../provider";
import type { RetryPolicy } from "../retrying-fetch";
import { type ActionWait, awaitAction, type HetznerAction } from "./actions";
import { HetznerApi, HetznerApiError, type HetznerServer, type HetznerServerType } from "./api";
import { classifyHetznerFailure } from "./errors";
import { deleteLeaseKey, ensureLeaseKey, type LeaseKey } from "./ssh-keys";

export interface HetznerProviderOptions {
  token: string;
  /** `https://api.hetzner.cloud/v1` unless pointed elsewhere (tests use a loopback fake). */
  baseUrl?: string;
  location?: string;
  image?: string;
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  /** How long to wait for the public IPv4 after create. */
  ipWaitMs?: number;
  ipPollMs?: number;
  /** Polling of create/delete actions (GET /actions/{id}); defaults 1 s and 5 min. */
  actionPollMs?: number;
  actionWaitMs?: number;
  eurToUsd?: number;
  /** Ready pools: reaches pool machines' agents (docs/providers.md#ready-pools). */
  poolAgent?: PoolAgentClient;
}

export class HetznerProvider implements Provider {
  readonly name = "hetzner" as const;
  private readonly api: HetznerApi;
  private readonly location: string;
  private readonly image: string;
  private readonly ipWaitMs: number;
  private readonly ipPollMs: number;
  private readonly eurToUsd: number;
  private readonly sleep: RetryPolicy["sleep"];
  private readonly actionWait: ActionWait;
  private readonly pool: ReturnType<typeof poolAgentCalls>;

  constructor(options: HetznerProviderOptions) {
    this.api = HetznerApi.withDefaults(options);
    this.location = options.location ?? "fsn1";
    this.image = options.image ?? "ubuntu-24.04";
    this.ipWaitMs = options.ipWaitMs ?? 60_000;
    this.ipPollMs = options.ipPollMs ?? 2_000;
    this.eurToUsd = options.eurToUsd ?? 1.08;
    this.sleep = options.retry?.sleep ?? sleep;
    this.actionWait = {
      pollMs: options.actionPollMs ?? 1_000,
      timeoutMs: options.actionWaitMs ?? 300_000,
      sleep: this.sleep,
    };
    this.pool = poolAgentCalls("hetzner", options.poolAgent, (leaseID) => this.findByLease(leaseID));
  }

  async create(spec: MachineSpec, signal?: AbortSignal): Promise<ProvisionedMachine> {
    if (spec.target !== "linux") {
      throw new CrabboxError("unsupported", "Hetzner leases are Linux only", { field: "target" });
    }
    const userData = linuxCloudInit(spec);
    const candidates = serverTypeCandidates(spec, hetznerClasses);
    const attempts: ProvisionAttempt[] = [];
    const location = spec.region ?? this.location;
    let serverID = "";
    try {
      const key = await ensureLeaseKey(this.api, spec, signal);
      let server = (await this.serversOfLease(spec.leaseID, signal))[0];
      for (const serverType of candidates) {
        if (server) break;
        try {
          server = await this.createServer(spec, serverType, location, key, userData, signal);
        } catch (error) {
          const category = classifyHetznerFailure(error);
          if (category === "fatal") throw error;
          attempts.push({ region: location, serverType, category, message: messageOf(error) });
          // A create that timed out may have landed after all.
          server = (await this.serversOfLease(spec.leaseID, signal))[0];
        }
      }
      if (!server) {
        throw new CrabboxError(
          "capacity_unavailable",
          spec.serverTypeExplicit
            ? `Hetzner type ${spec.serverType} is unavailable; drop --type to allow class fallback`
            : `no Hetzner server type of class ${spec.class} is available in ${location}`,
          { attempts },
        );
      }
      serverID = String(server.id);
      const ready = await this.waitForIPv4(server, signal);
      return {
        provider: "hetzner",
        cloudID: String(ready.id),
        name: ready.name,
        serverType: ready.server_type.name,
        region: ready.datacenter?.location?.name ?? location,
        host: ready.public_net.ipv4?.ip ?? "",
        sshUser: spec.sshUser,
        sshPort: spec.sshPort,
        sshFallbackPorts: spec.sshFallbackPorts,
        workRoot: spec.workRoot,
        attempts,
      };
    } catch (error) {
      throw await this.cleanUpAfterFailedCreate(spec.leaseID, serverID, error);
    }
  }

  async findByLease(leaseID: string): Promise<ProviderMachine[]> {
    return (await this.serversOfLease(leaseID)).map(toMachine);
  }

  async list(): Promise<ProviderMachine[]> {
    const servers = await this.api.all<HetznerServer>("/servers?label_selector=crabbox%3Dtrue", "servers");
    return servers.map(toMachine);
  }

  async delete(target: DeleteTarget): Promise<DeleteOutcome> {
    let outcome: DeleteOutcome = "already_gone";
    const ids = new Set<string>();
    if (/^\d+$/.test(target.cloudID)) ids.add(target.cloudID);
    for (const server of await this.serversOfLease(target.leaseID)) ids.add(String(server.id));
    for (const id of ids) {
      if ((await this.deleteServer(id)) === "deleted" && id === target.cloudID) outcome = "deleted";
    }
    await deleteLeaseKey(this.api, target.leaseID);
    return outcome;
  }

  async hourlyPriceUSD(serverType: string, region?: string): Promise<number | undefined> {
    const body = await this.api.call<{ server_types: HetznerServerType[] }>(
      "GET",
      `/server_types?name=${encodeURIComponent(serverType)}`,
    );
    const type = body.server_types.find((t) => t.name === serverType);
    const location = region ?? this.location;
    const price = type?.prices.find((p) => p.location === location) ?? type?.prices[0];
    const eur = Number(price?.price_hourly.gross ?? price?.price_hourly.net);
    if (!Number.isFinite(eur) || eur <= 0) return undefined;
    return Math.round(eur * this.eurToUsd * 100) / 100;
  }

  /** Ready pools: the machine's pool agent says its readiness marker is written. */
  isReady(target: DeleteTarget): Promise<boolean> {
    return this.pool.isReady(target);
  }

  /** Ready pools: the machine's pool agent replaces the throw-away key, once. */
  authorizeKey(target: DeleteTarget, sshPublicKey: string): Promise<void> {
    return this.pool.authorizeKey(target, sshPublicKey);
  }

  async updateLabels(target: DeleteTarget, labels: Record<string, string>): Promise<void> {
    await this.api.call("PUT", `/servers/${encodeURIComponent(target.cloudID)}`, { labels });
  }

  private async serversOfLease(leaseID: string, signal?: AbortSignal): Promise<HetznerServer[]> {
    const selector = encodeURIComponent(`crabbox=true,lease=${leaseID}`);
    return this.api.all<HetznerServer>(`/servers?label_selector=${selector}`, "servers", signal);
  }

  private async createServer(
    spec: MachineSpec,
    serverType: string,
    location: string,
    key: LeaseKey,
    userData: string,
    signal?: AbortSignal,
  ): Promise<HetznerServer> {
    const name = providerMachineName(spec.leaseID, spec.slug);
    try {
      const body = await this.api.call<{ server: HetznerServer; action?: HetznerAction }>(
        "POST",
        "/servers",
        {
          name,
          server_type: serverType,
          image: spec.image ?? this.image,
          location,
          labels: { ...spec.labels, ...ownershipLabels(spec.leaseID), server_type: serverType },
          ssh_keys: [key.name],
          user_data: userData,
          start_after_create: true,
          public_net: { enable_ipv4: true, enable_ipv6: false },
        },
        signal,
      );
      try {
        await awaitAction(this.api, body.action, this.actionWait, signal);
      } catch (error) {
        // A failed create leaves a server behind under the lease's name; remove it so the
        // next type of the ladder can take the name.
        if (error instanceof HetznerApiError) await this.deleteServer(String(body.server.id));
        throw error;
      }
      return body.server;
    } catch (error) {
      if (error instanceof HetznerApiError && error.code === "uniqueness_error") {
        const named = await this.api.call<{ servers: HetznerServer[] }>(
          "GET",
          `/servers?name=${encodeURIComponent(name)}`,
          undefined,
          signal,
        );
        const mine = named.servers.find((s) => s.labels.lease === spec.leaseID);
        if (mine) return mine;
      }
      throw error;
    }
  }

  private async waitForIPv4(server: HetznerServer, signal?: AbortSignal): Promise<HetznerServer> {
    const deadline = Date.now() + this.ipWaitMs;
    let current = server;
    while (!current.public_net.ipv4?.ip || current.status === "initializing") {
      if (Date.now() >= deadline) {
        throw new CrabboxError(
          "timeout",
          `Hetzner server ${server.id} got no public IPv4 within ${this.ipWaitMs} ms`,
        );
      }
      await this.sleep(this.ipPollMs, signal);
      current = (
        await this.api.call<{ server: HetznerServer }>("GET", `/servers/${server.id}`, undefined, signal)
      ).server;
    }
    return current;
  }

  private async deleteServer(id: string): Promise<DeleteOutcome> {
    try {
      const body = await this.api.call<{ action?: HetznerAction }>(
        "DELETE",
        `/servers/${encodeURIComponent(id)}`,
      );
      await awaitAction(this.api, body.action, this.actionWait);
      return "deleted";
    } catch (error) {
      if (error instanceof HetznerApiError && error.status === 404) return "already_gone";
      throw error;
    }
  }

  /**
   * Removes everything this lease may have made (servers by label, the lease key) so that a
   * failed create leaves nothing behind; if that itself fails, the error says so and the
   * coordinator's delete retries converge.
   */
  private async cleanUpAfterFailedCreate(
    leaseID: string,
    serverID: string,
    cause: unknown,
  ): Promise<unknown> {
    try {
      await this.delete({ cloudID: serverID, leaseID });
      return cause;
    } catch (cleanupError) {
      return incompleteCleanup(leaseID, cause, cleanupError);
    }
  }
}

/** The create failed and so did its clean-up: the caller must retry `delete` for the lease. */
export function incompleteCleanup(leaseID: string, cause: unknown, cleanupError: unknown): CrabboxError {
  return new CrabboxError(
    "provider_error",
    `${messageOf(cause)}; clean-up of lease ${leaseID} is incomplete (${messageOf(cleanupError)}), delete must be retried`,
    { leaseID, cleanup: "incomplete", cause: isCrabboxError(cause) ? cause.code : "provider_error" },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toMachine(server: HetznerServer): ProviderMachine {
  return {
    provider: "hetzner",
    cloudID: String(server.id),
    name: server.name,
    status: server.status,
    serverType: server.server_type.name,
    host: server.public_net.ipv4?.ip ?? undefined,
    region: server.datacenter?.location?.name,
    labels: server.labels,
  };
}

/** Whatever labels the caller passes, these prove the lease owns the resource. */
function ownershipLabels(leaseID: string): Record<string, string> {
  return { crabbox: "true", created_by: "crabbox", lease: leaseID };
}
