import { kv, printJson } from "../output/print";
import { CrabboxCommand, jsonOption } from "./base";
import { Command } from "./clipanion";
import { requireRunId, runIdOption, runIdPositional } from "./run-options";

export class ResultsCommand extends CrabboxCommand {
  static override paths = [["results"]];
  static override usage = Command.Usage({ description: "Show a run's JUnit test summary and failures" });
  id = runIdOption();
  positional = runIdPositional();
  json = jsonOption();

  async execute(): Promise<number> {
    const runID = requireRunId(this.id, this.positional, "results");
    const run = await this.requireCoordinator(this.loadConfig(), "results").getRun(runID);
    const r = run.results;
    if (this.json) {
      printJson(this.context.stdout, r ?? null);
      return 0;
    }
    if (!r) {
      this.out(`no test results recorded for ${runID} (pass --junit <glob> to crabbox run)`);
      return 0;
    }
    // Failed tests first: they are what an agent or a person reads the results for.
    if (r.failed.length) {
      this.out("failed:");
      for (const f of r.failed) {
        const name = f.classname ? `${f.classname}.${f.name}` : f.name;
        const first = f.message?.split("\n")[0];
        this.out(`  ${f.file || f.suite || "-"} ${f.kind} ${name}${first ? ` — ${first}` : ""}`);
      }
    }
    this.out(
      `results ${kv({ format: r.format, files: r.files.length, suites: r.suites, tests: r.tests, failures: r.failures, errors: r.errors, skipped: r.skipped, time: `${r.timeSeconds}s` })}`,
    );
    return 0;
  }
}
