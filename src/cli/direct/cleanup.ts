/**
 * `crabbox cleanup` in direct mode: lists the provider's crabbox machines and deletes the
 * caller's own direct machines whose labels prove they expired. `--dry-run` only lists.
 */
import type { Writable } from "node:stream";
import type { Provider } from "../../providers/provider";
import { deleteLeaseKey } from "../keys/store";
import { cleanupDecision, companionCleanupDecision } from "./cleanup-decision";
import { removeDirectRecord } from "./records";

type Env = Record<string, string | undefined>;

export interface CleanupReport {
  deleted: string[];
  skipped: string[];
}

export async function sweepDirectMachines(options: {
  provider: Provider;
  owner: string;
  nowMs: number;
  dryRun: boolean;
  env: Env;
  stdout: Writable;
  stderr: Writable;
}): Promise<CleanupReport> {
  const { provider, stdout, stderr } = options;
  const report: CleanupReport = { deleted: [], skipped: [] };
  for (const machine of await provider.list()) {
    const ownership = { owner: options.owner };
    const decision = machine.kind
      ? companionCleanupDecision(machine.labels, ownership)
      : cleanupDecision(machine.labels, options.nowMs, ownership);
    const what = `${machine.kind ?? "server"} id=${machine.cloudID} name=${machine.name} lease=${machine.labels.lease ?? "-"}`;
    if (decision.action === "skip") {
      report.skipped.push(machine.cloudID);
      stderr.write(`skip ${what} reason=${decision.reason}\n`);
      continue;
    }
    if (options.dryRun) {
      stdout.write(`would delete ${what} reason=${decision.reason}\n`);
      report.deleted.push(machine.cloudID);
      continue;
    }
    const leaseID = machine.labels.lease!;
    await provider.delete({
      cloudID: machine.cloudID,
      leaseID,
      ...(machine.region ? { region: machine.region } : {}),
    });
    if (!machine.kind) {
      removeDirectRecord(options.env, leaseID);
      deleteLeaseKey(options.env, leaseID);
    }
    stdout.write(`deleted ${what} reason=${decision.reason}\n`);
    report.deleted.push(machine.cloudID);
  }
  return report;
}
