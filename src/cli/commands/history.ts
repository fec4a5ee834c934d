import type { RunRecord } from "../../api";
import { formatDuration } from "../config";
import { kv, printJson } from "../output/print";
import { CrabboxCommand, jsonOption } from "./base";
import { Command, Option } from "./clipanion";
import { nonNegativeInt } from "./events";

export function runLine(run: RunRecord): string {
  return `${run.id} ${kv({
    lease: run.leaseID,
    slug: run.slug,
    state: run.state,
    phase: run.phase,
    exit: run.exitCode,
    duration: run.durationMs !== undefined ? formatDuration(run.durationMs) : undefined,
    started: run.startedAt,
  })} command=${run.command.join(" ")}`;
}

export class HistoryCommand extends CrabboxCommand {
  static override paths = [["history"]];
  static override usage = Command.Usage({ description: "List recorded runs, newest first" });
  lease = Option.String("--lease", { description: "Only runs on this lease" });
  owner = Option.String("--owner", { description: "Owner filter (admins)" });
  org = Option.String("--org", { description: "Org filter (admins)" });
  state = Option.String("--state", { description: "running, succeeded or failed" });
  limit = Option.String("--limit", "50", { description: "At most this many runs" });
  json = jsonOption();

  async execute(): Promise<number> {
    const config = this.loadConfig();
    const client = this.requireCoordinator(config, "history");
    const runs = await client.listRuns({
      leaseID: this.lease,
      owner: this.owner,
      org: this.org,
      state: this.state,
      limit: nonNegativeInt(this.limit, "--limit", 1),
    });
    if (this.json) printJson(this.context.stdout, { runs });
    else if (runs.length === 0) this.err("no runs recorded");
    else for (const run of runs) this.out(runLine(run));
    return 0;
  }
}
