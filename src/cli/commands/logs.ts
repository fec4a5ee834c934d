import { printJson } from "../output/print";
import { CrabboxCommand, jsonOption } from "./base";
import { Command } from "./clipanion";
import { requireRunId, runIdOption, runIdPositional } from "./run-options";

export class LogsCommand extends CrabboxCommand {
  static override paths = [["logs"]];
  static override usage = Command.Usage({ description: "Print a run's retained log (the last 8 MiB)" });
  id = runIdOption();
  positional = runIdPositional();
  json = jsonOption();

  async execute(): Promise<number> {
    const runID = requireRunId(this.id, this.positional, "logs", " (see `crabbox history`)");
    const client = this.requireCoordinator(this.loadConfig(), "logs");
    const log = await client.runLogs(runID);
    if (this.json) printJson(this.context.stdout, { run: await client.getRun(runID), log });
    else this.context.stdout.write(log);
    return 0;
  }
}
