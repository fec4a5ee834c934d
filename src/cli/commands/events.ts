import type { RunEventRecord } from "../../api";
import { CrabboxError } from "../../errors";
import { printJson } from "../output/print";
import { CrabboxCommand, jsonOption } from "./base";
import { Command, Option } from "./clipanion";
import { leaseTrail, leaseTrailLines } from "./lease-trail";
import { requireRunId, runIdOption, runIdPositional } from "./run-options";

export function eventLine(event: RunEventRecord): string {
  const text = (event.message ?? event.data ?? "").replace(/\s+$/, "");
  return `${String(event.seq).padStart(4, "0")} ${event.type.padEnd(18)} phase=${event.phase ?? "-"} stream=${event.stream ?? "-"} at=${event.createdAt} ${text}`;
}

export function nonNegativeInt(raw: string, flag: string, min = 0): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new CrabboxError("usage", `${flag} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

export class EventsCommand extends CrabboxCommand {
  static override paths = [["events"]];
  static override usage = Command.Usage({
    description:
      "Print a run's events, or with --lease a lease's trail as sentences (paged with --after/--limit)",
  });
  id = runIdOption();
  lease = Option.String("--lease", { description: "A lease (ID or slug): its trail, heartbeats collapsed" });
  positional = runIdPositional();
  after = Option.String("--after", "0", { description: "Only events after this sequence number" });
  limit = Option.String("--limit", "500", { description: "At most this many events (max 500)" });
  json = jsonOption();

  async execute(): Promise<number> {
    if (this.lease !== undefined) return this.printLeaseTrail(this.lease);
    const runID = requireRunId(
      this.id,
      this.positional,
      "events",
      " (or a lease's trail: crabbox events --lease <slug>)",
    );
    const after = nonNegativeInt(this.after, "--after");
    const limit = nonNegativeInt(this.limit, "--limit", 1);
    const client = this.requireCoordinator(this.loadConfig(), "events");
    const events = await client.runEvents(runID, after, limit, this.context.signal);
    if (this.json) printJson(this.context.stdout, { events });
    else for (const event of events) this.out(eventLine(event));
    return 0;
  }

  private async printLeaseTrail(ref: string): Promise<number> {
    if (this.id ?? this.positional)
      throw new CrabboxError(
        "usage",
        "events takes a run or --lease, not both: crabbox events --lease <slug>",
      );
    const after = nonNegativeInt(this.after, "--after");
    const limit = nonNegativeInt(this.limit, "--limit", 1);
    const client = this.requireCoordinator(this.loadConfig(), "events");
    const { lease, page } = await leaseTrail(client, ref, { after, limit }, this.context.signal);
    if (this.json) {
      printJson(this.context.stdout, page);
      return 0;
    }
    for (const line of leaseTrailLines(lease, page, Date.now())) this.out(line);
    if (page.next !== undefined) this.err(`more: crabbox events --lease ${lease.slug} --after ${page.next}`);
    return 0;
  }
}
