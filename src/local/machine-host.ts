import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";

// ssh2 is CommonJS: Node's ESM loader cannot see its named exports, so read them off the default.
const { utils } = ssh2;

import { randomHex } from "../domain/ids";
import { CrabboxError } from "../errors";
import { completeBootstrap } from "./bootstrap";
import { type LabelSelector, matchesSelector } from "./label-selector";
import { loadMachines, machineLayout, type StoredMachine, saveMachine } from "./machine-files";
import { generateEd25519KeyPair } from "./ssh/host-key";
import { MachineSshServer } from "./ssh/machine-ssh-server";
import { type CreateMachineRequest, createMachineRequest, type LocalMachine } from "./wire";

export interface MachineHostOptions {
  /** The Crabbox state directory; machines live in `<stateDir>/machines/<id>/`. */
  stateDir: string;
  /** How long a new machine "bootstraps" before `crabbox-ready` exists (cloud-init stand-in). */
  bootstrapDelayMs?: number;
  /** The login user reported to clients; the SSH server accepts any name with the lease key. */
  sshUser?: string;
  log?: (line: string) => void;
}

interface LiveMachine {
  stored: StoredMachine;
  server?: MachineSshServer;
  bootstrapTimer?: NodeJS.Timeout;
}

/**
 * A local machine has nothing to install, so by default it is ready as soon as it exists: the
 * zero-config `crabbox run` should not wait for a pretend cloud-init on every run. Tests (and
 * anyone who wants the cloud's wait) set `CRABBOX_LOCAL_BOOTSTRAP_MS`.
 */
export const defaultBootstrapDelayMs = 0;

/**
 * A small cloud on this computer: machines are SSH servers on loopback with their own host
 * key and work root, labelled like cloud machines, persisted so that a restarted host lists
 * (and serves) the machines it had.
 */
export class MachineHost {
  readonly machinesDir: string;
  readonly sshUser: string;
  private readonly bootstrapDelayMs: number;
  private readonly log: (line: string) => void;
  private readonly machines = new Map<string, LiveMachine>();
  /** Creates run one at a time so two creates for one lease can never make two machines. */
  private createQueue: Promise<unknown> = Promise.resolve();

  constructor(options: MachineHostOptions) {
    this.machinesDir = join(options.stateDir, "machines");
    this.bootstrapDelayMs = options.bootstrapDelayMs ?? defaultBootstrapDelayMs;
    this.sshUser = options.sshUser ?? safeUserName();
    this.log = options.log ?? (() => {});
  }

  /** Reopens every persisted machine, on its old port when that port is still free. */
  async start(): Promise<void> {
    for (const stored of await loadMachines(this.machinesDir)) {
      const live: LiveMachine = { stored };
      this.machines.set(stored.id, live);
      try {
        await this.serve(live);
        if (!stored.bootstrapped) this.scheduleBootstrap(live);
        this.log(`machine ${stored.id} (${stored.name}) back on 127.0.0.1:${live.stored.sshPort}`);
      } catch (error) {
        this.log(`machine ${stored.id}: cannot reopen its SSH server: ${(error as Error).message}`);
      }
    }
  }

  /** Closes every SSH server and timer; machines stay on disk for the next start. */
  async stop(): Promise<void> {
    for (const live of this.machines.values()) {
      clearTimeout(live.bootstrapTimer);
      await live.server?.close();
      live.server = undefined;
    }
    this.machines.clear();
  }

  create(input: CreateMachineRequest): Promise<{ machine: LocalMachine; created: boolean }> {
    const parsed = createMachineRequest.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join(".") || "body";
      throw new CrabboxError("invalid_request", `${field}: ${issue?.message ?? "invalid"}`, { field });
    }
    const request = parsed.data;
    const run = this.createQueue.then(() => this.createNow(request));
    this.createQueue = run.catch(() => {});
    return run;
  }

  private async createNow(
    request: ReturnType<typeof createMachineRequest.parse>,
  ): Promise<{ machine: LocalMachine; created: boolean }> {
    const lease = request.labels.lease;
    if (lease) {
      const existing = [...this.machines.values()].find((m) => m.stored.labels.lease === lease);
      if (existing) return { machine: this.toWire(existing), created: false };
    }
    const parsedKey = utils.parseKey(request.sshPublicKey);
    if (parsedKey instanceof Error) {
      throw new CrabboxError("invalid_request", `sshPublicKey: ${parsedKey.message}`, {
        field: "sshPublicKey",
      });
    }
    const id = `lm-${randomHex(6)}`;
    const layout = machineLayout(this.machinesDir, id);
    const stored: StoredMachine = {
      id,
      name: request.name,
      labels: request.labels,
      sshPublicKey: request.sshPublicKey,
      serverType: request.serverType,
      sshPort: 0,
      createdAt: new Date().toISOString(),
      bootstrapped: false,
    };
    const live: LiveMachine = { stored };
    try {
      for (const dir of [layout.root, layout.home, layout.work, layout.bin]) {
        await mkdir(dir, { recursive: true, mode: 0o700 });
      }
      await writeFile(layout.hostKey, generateEd25519KeyPair().private, { mode: 0o600 });
      await this.serve(live);
      await saveMachine(this.machinesDir, stored);
    } catch (error) {
      await live.server?.close();
      await rm(layout.root, { recursive: true, force: true });
      throw new CrabboxError(
        "provider_error",
        `local machine could not be created: ${(error as Error).message}`,
      );
    }
    this.machines.set(id, live);
    this.scheduleBootstrap(live);
    this.log(`machine ${id} (${stored.name}) created on 127.0.0.1:${stored.sshPort} lease=${lease ?? "-"}`);
    return { machine: this.toWire(live), created: true };
  }

  list(selector: LabelSelector = []): LocalMachine[] {
    return [...this.machines.values()]
      .filter((m) => matchesSelector(m.stored.labels, selector))
      .map((m) => this.toWire(m));
  }

  get(id: string): LocalMachine | undefined {
    const live = this.machines.get(id);
    return live && this.toWire(live);
  }

  /** Merges labels (e.g. a refreshed `expires_at`) into the machine's labels. */
  async updateLabels(id: string, labels: Record<string, string>): Promise<LocalMachine | undefined> {
    const live = this.machines.get(id);
    if (!live) return undefined;
    live.stored.labels = { ...live.stored.labels, ...labels };
    await saveMachine(this.machinesDir, live.stored);
    return this.toWire(live);
  }

  /** Replaces the one key that opens the machine (docs/providers.md#ready-pools). */
  async authorizeKey(id: string, sshPublicKey: string): Promise<LocalMachine | undefined> {
    const live = this.machines.get(id);
    if (!live) return undefined;
    live.server?.authorize(sshPublicKey);
    live.stored.sshPublicKey = sshPublicKey;
    await saveMachine(this.machinesDir, live.stored);
    this.log(`machine ${id} (${live.stored.name}): lease key installed`);
    return this.toWire(live);
  }

  /** Stops the SSH server, kills its commands and removes the machine's root. False when unknown. */
  async delete(id: string): Promise<boolean> {
    const live = this.machines.get(id);
    if (!live) return false;
    this.machines.delete(id);
    clearTimeout(live.bootstrapTimer);
    await live.server?.close();
    await rm(machineLayout(this.machinesDir, id).root, { recursive: true, force: true });
    this.log(`machine ${id} (${live.stored.name}) deleted`);
    return true;
  }

  private async serve(live: LiveMachine): Promise<void> {
    const layout = machineLayout(this.machinesDir, live.stored.id);
    const server = new MachineSshServer({
      hostKey: await readFile(layout.hostKey, "utf8"),
      authorizedKey: live.stored.sshPublicKey,
      shell: {
        home: layout.home,
        binDir: layout.bin,
        user: this.sshUser,
        env: { CRABBOX_LOCAL_MACHINE: live.stored.id, CRABBOX_WORK_ROOT: layout.work },
      },
    });
    let port: number;
    try {
      port = await server.listen(live.stored.sshPort);
    } catch (error) {
      if (live.stored.sshPort === 0) throw error;
      port = await server.listen(0);
    }
    live.server = server;
    if (port !== live.stored.sshPort) {
      live.stored.sshPort = port;
      if (this.machines.has(live.stored.id)) await saveMachine(this.machinesDir, live.stored);
    }
  }

  private scheduleBootstrap(live: LiveMachine): void {
    live.bootstrapTimer = setTimeout(() => {
      live.bootstrapTimer = undefined;
      if (this.machines.get(live.stored.id) !== live) return;
      completeBootstrap(this.machinesDir, live.stored.id)
        .then(async () => {
          if (this.machines.get(live.stored.id) !== live) return;
          live.stored.bootstrapped = true;
          await saveMachine(this.machinesDir, live.stored);
          this.log(`machine ${live.stored.id} ready`);
        })
        .catch((error: Error) => this.log(`machine ${live.stored.id}: bootstrap failed: ${error.message}`));
    }, this.bootstrapDelayMs);
    live.bootstrapTimer.unref();
  }

  private toWire(live: LiveMachine): LocalMachine {
    const { stored } = live;
    return {
      id: stored.id,
      name: stored.name,
      status: !live.server ? "stopped" : stored.bootstrapped ? "running" : "bootstrapping",
      ready: stored.bootstrapped,
      host: "127.0.0.1",
      sshPort: stored.sshPort,
      sshUser: this.sshUser,
      workRoot: machineLayout(this.machinesDir, stored.id).work,
      serverType: stored.serverType,
      labels: { ...stored.labels },
      createdAt: stored.createdAt,
    };
  }
}

function safeUserName(): string {
  try {
    return userInfo().username || "crabbox";
  } catch {
    return "crabbox";
  }
}
