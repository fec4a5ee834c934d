import type {
  DeleteOutcome,
  DeleteTarget,
  MachineSpec,
  Provider,
  ProviderMachine,
  ProviderName,
  ProvisionedMachine,
} from "../../src/providers/provider";

/**
 * An in-memory cloud for coordinator tests. It runs in the same workerd isolate as the Fleet
 * Durable Object (installed through the registry's test hook), records every call, and can
 * be told to fail, to answer 404, or to hold a call until the test lets it go.
 */

export type FakeMethod = "create" | "findByLease" | "list" | "delete" | "hourlyPriceUSD" | "authorizeKey";

export interface FakeCall {
  method: FakeMethod;
  leaseID?: string;
  cloudID?: string;
}

export class FakeProviderError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "FakeProviderError";
  }
}

interface Gate {
  promise: Promise<void>;
  release: () => void;
}

export class FakeProvider implements Provider {
  readonly machines = new Map<string, ProviderMachine>();
  readonly calls: FakeCall[] = [];
  readonly prices = new Map<string, number>();
  /** SSH port a machine of this lease really listens on (like local machines); default: the requested one. */
  readonly sshPortFor = new Map<string, number>();
  /** The one key that opens each machine: the create's, then the one `authorizeKey` installed. */
  readonly keys = new Map<string, string>();
  private readonly failures = new Map<FakeMethod, Error[]>();
  private readonly delays = new Map<FakeMethod, number>();
  private readonly gates = new Map<FakeMethod, Gate>();
  private nextId = 1;
  private inFlight = 0;
  private readonly settledWaiters: (() => void)[] = [];

  constructor(readonly name: ProviderName = "local") {}

  /** The next `times` calls of `method` throw `error` (after recording the call). */
  failNext(method: FakeMethod, error: Error = new FakeProviderError(`${method} failed`), times = 1): this {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(error);
    this.failures.set(method, queue);
    return this;
  }

  /** Every later call of `method` waits `ms` first. */
  delay(method: FakeMethod, ms: number): this {
    this.delays.set(method, ms);
    return this;
  }

  /**
   * Calls of `method` wait until the returned function is called (or their caller aborts).
   * Release a hold before `evictDurableObject`: workerd waits for pending continuations.
   */
  hold(method: FakeMethod): () => void {
    let release!: () => void;
    const promise = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gate = {
      promise,
      release: () => {
        this.gates.delete(method);
        release();
      },
    };
    this.gates.set(method, gate);
    return gate.release;
  }

  /** Resolves once no call is in progress: a test waits on this, not on a guessed delay. */
  settled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await work();
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const resolve of this.settledWaiters.splice(0)) resolve();
    }
  }

  count(method: FakeMethod, leaseID?: string): number {
    return this.calls.filter((c) => c.method === method && (leaseID === undefined || c.leaseID === leaseID))
      .length;
  }

  machineForLease(leaseID: string): ProviderMachine | undefined {
    return [...this.machines.values()].find((m) => m.labels.lease === leaseID);
  }

  /** Puts a machine into the inventory behind the coordinator's back (orphans, lost outcomes). */
  plant(leaseID: string, overrides: Partial<ProviderMachine> = {}): ProviderMachine {
    const cloudID = `fake-${this.nextId++}`;
    const machine: ProviderMachine = {
      provider: this.name,
      cloudID,
      name: `crabbox-${cloudID}`,
      status: "running",
      serverType: "fake-small",
      host: "127.0.0.1",
      labels: { crabbox: "true", created_by: "crabbox", lease: leaseID },
      ...overrides,
    };
    this.machines.set(machine.cloudID, machine);
    return machine;
  }

  private async enter(
    method: FakeMethod,
    call: Omit<FakeCall, "method">,
    signal?: AbortSignal,
  ): Promise<void> {
    this.calls.push({ method, ...call });
    const gate = this.gates.get(method);
    // Like a real client, a held call gives up when the caller aborts it (its deadline passed).
    if (gate) await Promise.race([gate.promise, aborted(signal)]);
    const ms = this.delays.get(method);
    if (ms) await new Promise((resolve) => setTimeout(resolve, ms));
    const failure = this.failures.get(method)?.shift();
    if (failure) throw failure;
  }

  create(spec: MachineSpec, signal?: AbortSignal): Promise<ProvisionedMachine> {
    return this.track(() => this.createNow(spec, signal));
  }

  private async createNow(spec: MachineSpec, signal?: AbortSignal): Promise<ProvisionedMachine> {
    await this.enter("create", { leaseID: spec.leaseID }, signal);
    signal?.throwIfAborted();
    // Like every real provider: a second create for the same lease adopts the first machine.
    const machine =
      this.machineForLease(spec.leaseID) ??
      this.plant(spec.leaseID, {
        name: `crabbox-${spec.slug}`,
        serverType: spec.serverType,
        labels: { ...spec.labels },
        ...(spec.region ? { region: spec.region } : {}),
      });
    if (!this.keys.has(machine.cloudID)) this.keys.set(machine.cloudID, spec.sshPublicKey);
    return {
      provider: this.name,
      cloudID: machine.cloudID,
      name: machine.name,
      serverType: machine.serverType,
      ...(machine.region ? { region: machine.region } : {}),
      market: spec.market,
      host: machine.host ?? "127.0.0.1",
      sshUser: spec.sshUser,
      sshPort: this.sshPortFor.get(spec.leaseID) ?? spec.sshPort,
      sshFallbackPorts: spec.sshFallbackPorts,
      workRoot: spec.workRoot,
      attempts: [],
    };
  }

  findByLease(leaseID: string): Promise<ProviderMachine[]> {
    return this.track(async () => {
      await this.enter("findByLease", { leaseID });
      return [...this.machines.values()].filter((m) => m.labels.lease === leaseID);
    });
  }

  list(): Promise<ProviderMachine[]> {
    return this.track(async () => {
      await this.enter("list", {});
      return [...this.machines.values()];
    });
  }

  delete(target: DeleteTarget): Promise<DeleteOutcome> {
    return this.track(async () => {
      await this.enter("delete", { leaseID: target.leaseID, cloudID: target.cloudID });
      return this.machines.delete(target.cloudID) ? "deleted" : "already_gone";
    });
  }

  authorizeKey(target: DeleteTarget, sshPublicKey: string): Promise<void> {
    return this.track(async () => {
      await this.enter("authorizeKey", { leaseID: target.leaseID, cloudID: target.cloudID });
      if (!this.machines.has(target.cloudID))
        throw new FakeProviderError(`machine ${target.cloudID} not found`, 404);
      this.keys.set(target.cloudID, sshPublicKey);
    });
  }

  async isReady(target: DeleteTarget): Promise<boolean> {
    return this.machines.has(target.cloudID);
  }

  async hourlyPriceUSD(serverType: string): Promise<number | undefined> {
    await this.enter("hourlyPriceUSD", {});
    return this.prices.get(serverType);
  }
}

function aborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (!signal) return;
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}
