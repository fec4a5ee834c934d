import type { LeaseRecord, TelemetryInput } from "../../api";
import type { CoordinatorClient } from "../../client/client";
import type { ResolvedConfig } from "../config";
import type { Progress } from "../output/progress";
import type { MachineConnection } from "../run/connection";
import type { RunRecorder } from "../run/recorder";
import type { SshSession } from "../ssh/connect";

export type Env = Record<string, string | undefined>;

/**
 * Where a command's machine comes from (docs/cli.md, "Targets"):
 * - `static`: an existing host from config (`provider: ssh`), never created or deleted;
 * - `direct`: a cloud machine the CLI creates itself with the caller's credentials;
 * - `brokered`: a lease from a coordinator — a remote one, or the local stack, started on
 *   demand, that brokers the local machines (provider `local`).
 */
export type TargetSource = "static" | "direct" | "brokered";

/** A machine this command is using, and everything that must be undone when it is done. */
export interface ActiveTarget {
  connection: MachineConnection;
  session: SshSession;
  lease?: LeaseRecord;
  client?: CoordinatorClient;
  /** True when this command created the lease (and so releases it unless kept). */
  acquired: boolean;
  /** A fresh ready session after a dropped connection; replaces `session`. */
  reconnect(): Promise<SshSession>;
  /** Stops heartbeats, closes SSH and releases an acquired lease unless `keep`. Never throws. */
  finish(keep: boolean): Promise<void>;
}

export interface AcquireOptions {
  config: ResolvedConfig;
  env: Env;
  signal: AbortSignal;
  progress: Progress;
  /** Reuse this lease (ID or slug) instead of creating one. */
  id?: string;
  keep: boolean;
  recorder?: RunRecorder;
  /** The command being run, for the run record. */
  command?: string[];
  /** Bootstrap wait for a fresh machine. */
  readyTimeoutMs?: number;
  /** Takes a telemetry sample for heartbeats (Linux machines). */
  sampler?: (session: SshSession) => Promise<TelemetryInput | undefined>;
  /** Where the checkout lives, kept in a direct lease's local record. */
  repoRoot?: string;
}

/** One way of getting a machine: each source's module exports one of these. */
export type AcquireStrategy = (options: AcquireOptions) => Promise<ActiveTarget>;
