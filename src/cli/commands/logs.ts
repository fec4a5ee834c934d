import { CrabboxError } from "../../errors";
import { printJson } from "../output/print";
import { CrabboxCommand, jsonOption } from "./base";
import { Command, Option } from "./clipanion";

export class LogsCommand extends CrabboxCommand {
  static override paths = [["logs"]];
  static override usage = Command.Usage({ description: "Print a run's retained log (the last 8 MiB)" });
  id = Option.String("--id", { description: "Run ID" });
  positional = Option.String({ required: false, name: "run-id" });
  json = jsonOption();

  async execute(): Promise<number> {
    const runID = this.id ?? this.positional;
    if (!runID)
      throw new CrabboxError("usage", "logs needs a run: crabbox logs <run-id> (see `crabbox history`)");
    const client = this.requireCoordinator(this.loadConfig(), "logs");
    const log = await client.runLogs(runID);
    if (this.json) printJson(this.context.stdout, { run: await client.getRun(runID), log });
    else this.context.stdout.write(log);
    return 0;
  }
}
