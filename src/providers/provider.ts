/**
 * The one interface every machine provider implements: the coordinator (through the Fleet
 * Durable Object) and the CLI's direct mode drive local machines, Hetzner, AWS and Azure
 * through exactly these calls. Providers do no bookkeeping of their own: the caller
 * records the intent in the event log before `create` and the outcome after it.
 */

import type { ProviderName } from "./names";

// The list lives in names.ts (no imports) so the CLI can name providers without this module's users.
export { type ProviderName, providerNames } from "./names";

export type Target = "linux" | "windows";
export type Market = "spot" | "on-demand";

export interface MachineSpec {
  leaseID: string;
  slug: string;
  owner: string;
  org: string;
  target: Target;
  /** Only for target windows; Azure native Windows is `normal`. */
  windowsMode?: "normal";
  class: string;
  /** First candidate, or the exact type when `serverTypeExplicit`. */
  serverType: string;
  serverTypeExplicit: boolean;
  /** Region / location; the provider's default when absent. */
  region?: string;
  image?: string;
  market: Market;
  sshPublicKey: string;
  sshUser: string;
  sshPort: number;
  sshFallbackPorts: number[];
  workRoot: string;
  /** Source CIDRs allowed to reach SSH (clouds with firewalls). */
  sshCIDRs?: string[];
  /** The crabbox labels (see labels.ts); every resource created carries them. */
  labels: Record<string, string>;
  /** The coordinator's time of the request, unix ms. */
  createdAt: number;
  /**
   * Pool machines of cloud providers only (docs/providers.md#ready-pools): run the one-shot
   * pool agent on `port`, keyed by `token`. The token goes into the user-data and nowhere else.
   */
  poolAgent?: { port: number; token: string };
}

export interface ProvisionAttempt {
  region?: string;
  serverType: string;
  market?: Market;
  category: "capacity" | "quota" | "spot_refused" | "provider" | "timeout";
  message: string;
}

export interface ProvisionedMachine {
  provider: ProviderName;
  /** Hetzner server id, EC2 instance id, Azure VM name, local machine id. */
  cloudID: string;
  name: string;
  serverType: string;
  region?: string;
  market?: Market;
  host: string;
  sshUser: string;
  sshPort: number;
  sshFallbackPorts: number[];
  workRoot: string;
  /** Candidates that failed before this one succeeded. */
  attempts: ProvisionAttempt[];
}

/**
 * A machine's per-lease companion found without its machine (a crash or a failed clean-up
 * left it): Azure NICs, public IPs and OS disks, AWS security groups and key pairs.
 */
export type CompanionKind = "nic" | "public_ip" | "os_disk" | "security_group" | "key_pair";

export interface ProviderMachine {
  provider: ProviderName;
  /** For a companion, an id `delete` recognises as that one resource (see each provider). */
  cloudID: string;
  /** Absent for a machine. */
  kind?: CompanionKind;
  /**
   * For a companion: the cloud id of the machine it was made for, when its name or tags say
   * so. The orphan sweep's proof of ownership is that lease's stream naming this machine.
   */
  ownerCloudID?: string;
  name: string;
  status: string;
  serverType: string;
  host?: string;
  region?: string;
  labels: Record<string, string>;
}

export interface DeleteTarget {
  cloudID: string;
  leaseID: string;
  region?: string;
  /** The machine's public address when the caller knows it (ready pools reach its agent there). */
  host?: string;
}

export type DeleteOutcome = "deleted" | "already_gone";

export interface Provider {
  readonly name: ProviderName;
  /**
   * Creates the machine (and its per-lease companions: key, NIC, IP…) with the fallback
   * ladder. Must be safe to call again for the same lease after a timeout: a second call
   * adopts what the first one created instead of making a second machine.
   * Partial creates are cleaned up before a failure is thrown.
   */
  create(spec: MachineSpec, signal?: AbortSignal): Promise<ProvisionedMachine>;
  /** Machines labelled with this lease, for reconciling an intent whose outcome is unknown. */
  findByLease(leaseID: string): Promise<ProviderMachine[]>;
  /** Every crabbox-labelled machine this provider can see (the orphan sweep's inventory). */
  list(): Promise<ProviderMachine[]>;
  /** Deletes the machine and its companions. 404 anywhere counts as gone. */
  delete(target: DeleteTarget): Promise<DeleteOutcome>;
  /** Live hourly price in USD when the cloud publishes one. */
  hourlyPriceUSD?(serverType: string, region?: string): Promise<number | undefined>;
  /**
   * Ready pools (docs/providers.md#ready-pools): makes `sshPublicKey` the only key that opens
   * the machine. Providers without it cannot keep pools.
   */
  authorizeKey?(target: DeleteTarget, sshPublicKey: string): Promise<void>;
  /** Ready pools: whether the machine has booted and its readiness marker is written. */
  isReady?(target: DeleteTarget): Promise<boolean>;
  /** Direct mode keeps expiry in labels: refresh them on heartbeat. */
  updateLabels?(target: DeleteTarget, labels: Record<string, string>): Promise<void>;
}
