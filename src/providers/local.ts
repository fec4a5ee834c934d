/**
 * The `local` provider: machines on the user's own computer, served by the local machine
 * host (`src/local/`) over loopback HTTP. Uses fetch only, so the coordinator runs it inside
 * workerd exactly as it runs the cloud providers.
 */
import { providerMachineName } from "../domain/ids";
import { CrabboxError } from "../errors";
import { type LocalMachine, machineListResponse, machineResponse } from "../local/wire";
import type {
  DeleteOutcome,
  DeleteTarget,
  MachineSpec,
  Provider,
  ProviderMachine,
  ProvisionedMachine,
} from "./provider";

export interface LocalProviderOptions {
  /** The machine host's base URL, e.g. `http://127.0.0.1:46123`. */
  baseUrl: string;
  /** The host's bearer token. */
  token: string;
  /** Deadline of each call to the host; default 15 s. */
  timeoutMs?: number;
}

export class LocalProvider implements Provider {
  readonly name = "local" as const;
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly timeoutMs: number;

  constructor(options: LocalProviderOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  async create(spec: MachineSpec, signal?: AbortSignal): Promise<ProvisionedMachine> {
    if (spec.target !== "linux") {
      throw new CrabboxError(
        "unsupported",
        `target ${spec.target} is not available on the local provider: local machines are POSIX shells on this computer; use target linux, or a cloud provider for ${spec.target}`,
        { field: "target" },
      );
    }
    const labels = { ...spec.labels, lease: spec.labels.lease ?? spec.leaseID };
    const response = await this.call("POST", "/v1/machines", {
      body: {
        name: providerMachineName(spec.leaseID, spec.slug),
        labels,
        sshPublicKey: spec.sshPublicKey,
        serverType: spec.serverType || "local",
      },
      signal,
    });
    const { machine } = machineResponse.parse(await response.json());
    return {
      provider: "local",
      cloudID: machine.id,
      name: machine.name,
      serverType: machine.serverType,
      host: machine.host,
      sshUser: machine.sshUser,
      sshPort: machine.sshPort,
      sshFallbackPorts: [],
      workRoot: machine.workRoot,
      attempts: [],
    };
  }

  findByLease(leaseID: string): Promise<ProviderMachine[]> {
    return this.listBySelector(`lease=${leaseID}`);
  }

  list(): Promise<ProviderMachine[]> {
    return this.listBySelector("crabbox=true");
  }

  async delete(target: DeleteTarget): Promise<DeleteOutcome> {
    const response = await this.call("DELETE", `/v1/machines/${encodeURIComponent(target.cloudID)}`, {
      allowNotFound: true,
    });
    return response.status === 404 ? "already_gone" : "deleted";
  }

  async authorizeKey(target: DeleteTarget, sshPublicKey: string): Promise<void> {
    await this.call("PUT", `/v1/machines/${encodeURIComponent(target.cloudID)}/authorized-key`, {
      body: { sshPublicKey },
    });
  }

  /** The host's own readiness signal: bootstrap wrote the machine's `crabbox-ready` marker. */
  async isReady(target: DeleteTarget): Promise<boolean> {
    const response = await this.call("GET", `/v1/machines/${encodeURIComponent(target.cloudID)}`, {});
    return machineResponse.parse(await response.json()).machine.ready;
  }

  async hourlyPriceUSD(): Promise<number> {
    return 0;
  }

  async updateLabels(target: DeleteTarget, labels: Record<string, string>): Promise<void> {
    await this.call("PATCH", `/v1/machines/${encodeURIComponent(target.cloudID)}`, { body: { labels } });
  }

  private async listBySelector(selector: string): Promise<ProviderMachine[]> {
    const response = await this.call(
      "GET",
      `/v1/machines?label_selector=${encodeURIComponent(selector)}`,
      {},
    );
    const { machines } = machineListResponse.parse(await response.json());
    return machines.map(toProviderMachine);
  }

  private async call(
    method: string,
    path: string,
    options: { body?: unknown; signal?: AbortSignal; allowNotFound?: boolean },
  ): Promise<Response> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      });
    } catch (error) {
      if (deadline.aborted) {
        throw new CrabboxError(
          "timeout",
          `local machine host did not answer ${method} ${path} within ${this.timeoutMs} ms`,
        );
      }
      throw new CrabboxError(
        "provider_error",
        `local machine host unreachable at ${this.baseUrl}: ${(error as Error).message}; is the local stack running (crabbox dev status)?`,
      );
    }
    if (response.ok || (options.allowNotFound && response.status === 404)) return response;
    const detail = (await response.json().catch(() => undefined)) as
      | { error?: string; message?: string }
      | undefined;
    throw new CrabboxError(
      "provider_error",
      `local machine host refused ${method} ${path}: ${response.status} ${detail?.error ?? ""} ${detail?.message ?? ""}`.trim(),
      { providerStatus: response.status },
    );
  }
}

function toProviderMachine(machine: LocalMachine): ProviderMachine {
  return {
    provider: "local",
    cloudID: machine.id,
    name: machine.name,
    status: machine.status,
    serverType: machine.serverType,
    host: machine.host,
    labels: machine.labels,
  };
}
