import { CrabboxError } from "../../errors";
import { parseDuration } from "../config";
import { watchLoop } from "../watch/watch-loop";
import { Command, Option } from "./clipanion";
import { LeaseCreateCommand } from "./lease-create";
import { forwardEnvNames, junitGlobs } from "./run-inputs";

export class WatchCommand extends LeaseCreateCommand {
  static override paths = [["watch"]];
  static interruptNote = "stopping the command and releasing the lease watch leased";
  static override usage = Command.Usage({
    description: "Hold a lease and rerun a command there on every local change",
    details:
      "Runs the command at once, then after each burst of changes under the checkout (debounced) syncs and reruns it, stopping a run still in progress. Ignored: .git, .crabbox, node_modules and what Git ignores. Ctrl-C stops the run, releases a lease watch created (never an --id one) and exits 0.",
    examples: [
      ["Rerun the tests on every save", "crabbox watch -- pnpm test"],
      ["On a warm lease", "crabbox watch --id blue-lobster -- make check"],
    ],
  });
  id = Option.String("--id", { description: "Hold this lease (ID or slug) instead of leasing one" });
  debounce = Option.String("--debounce", "250ms", {
    description: "Quiet time after a change before syncing and rerunning, e.g. 250ms or 1s",
  });
  shell = Option.Boolean("--shell", false, { description: "Run the command words as one shell script" });
  junit = Option.String("--junit", { description: "Comma-separated JUnit XML globs to read after each run" });
  envNames = Option.Array("--env", [], {
    description: "Forward this local variable (a name, or PREFIX_*) to the command (repeatable)",
  });
  command = Option.Rest({ name: "command" });

  async execute(): Promise<number> {
    if (this.command.length === 0)
      throw new CrabboxError("usage", "usage: crabbox watch [flags] -- <command…>");
    const debounceMs = parseDuration(this.debounce, "--debounce");
    if (this.timingJson !== undefined)
      throw new CrabboxError("usage", "--timing-json is per run; use crabbox run --timing-json", {
        field: "timing-json",
      });
    const configStarted = Date.now();
    const config = this.loadConfig();
    forwardEnvNames(config, this.envNames);
    const junit = junitGlobs(this.junit, config);
    return watchLoop(this.runIO(config, Date.now() - configStarted), {
      ...(this.id ? { id: this.id } : {}),
      debounceMs,
      run: {
        argv: this.command,
        shell: this.shell,
        noSync: false,
        syncOnly: false,
        junit,
        forceSyncLarge: false,
        allowMassDeletions: false,
      },
    });
  }
}
