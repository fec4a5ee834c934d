import { printJson } from "../output/print";
import { humanBytes } from "../output/progress";
import { CrabboxCommand, jsonOption } from "./base";
import { Command } from "./clipanion";
import { requireRunId, runIdOption, runIdPositional } from "./run-options";

export class ArtifactsCommand extends CrabboxCommand {
  static override paths = [["artifacts"]];
  static override usage = Command.Usage({
    description: "List the artifacts a run copied back (path, size, SHA-256)",
    details:
      "The files themselves are on the computer that ran the command, under .crabbox/artifacts/<run-id>/ (or its --artifact-dir).",
  });
  id = runIdOption();
  positional = runIdPositional();
  json = jsonOption();

  async execute(): Promise<number> {
    const runID = requireRunId(this.id, this.positional, "artifacts");
    const run = await this.requireCoordinator(this.loadConfig(), "artifacts").getRun(runID);
    const list = run.artifacts ?? [];
    if (this.json) {
      printJson(this.context.stdout, { runID: run.id, artifacts: list });
      return 0;
    }
    if (list.length === 0) {
      this.out(`no artifacts recorded for ${run.id} (pass --artifact <glob> to crabbox run)`);
      return 0;
    }
    for (const a of list) this.out(`${a.sha256}  ${humanBytes(a.bytes).padStart(9)}  ${a.path}`);
    return 0;
  }
}
