import { bounds } from "../../api/bounds";
import { CrabboxError } from "../../errors";
import { artifactOptions } from "../run/artifacts-step";
import { runShards } from "../shard/run-shards";
import { jsonOption } from "./base";
import { Command, Option } from "./clipanion";
import { LeaseCreateCommand } from "./lease-create";
import { forwardEnvNames, junitGlobs } from "./run-inputs";

export class ShardCommand extends LeaseCreateCommand {
  static override paths = [["shard"]];
  static interruptNote = "stopping every shard's command and releasing every shard's lease";
  static override usage = Command.Usage({
    description: "Run a command on N machines at once, one shard each, with one merged verdict",
    details:
      "Each shard leases its own machine, syncs this checkout once and runs the command with CRABBOX_SHARD_INDEX (1-based) and CRABBOX_SHARD_TOTAL set ({{index}} and {{total}} in the command are replaced too); output lines are prefixed [i/N]. The --junit reports of every shard are copied back and merged into one report, each test counted once. Exits 7 if a shard could not run, else the failing shards' status (1 if they differ), 130 if interrupted, else 0 (1 with --fail-on-test-failures and failed tests). One failing shard stops the others only with --fail-fast. --json prints one summary (per shard: exit, lease, run, duration, results; the merged counts). Every lease is released, Ctrl-C and --fail-fast included.",
    examples: [
      [
        "Four shards of vitest",
        "crabbox shard --count 4 --junit reports/junit.xml -- 'npx vitest run --shard=$CRABBOX_SHARD_INDEX/$CRABBOX_SHARD_TOTAL --reporter=junit --outputFile=reports/junit.xml'",
      ],
    ],
  });
  count = Option.String("--count", { description: `How many shards (machines), 1-${bounds.shards}` });
  shell = Option.Boolean("--shell", false, { description: "Run the command words as one shell script" });
  junit = Option.String("--junit", {
    description:
      "Comma-separated JUnit XML globs each shard copies back and the verdict merges (overrides results.junit)",
  });
  artifact = Option.Array("--artifact", [], {
    description:
      "Also copy these files back from every shard, into .crabbox/shards/<group>/<i>/ (repeatable)",
  });
  failOnTestFailures = Option.Boolean("--fail-on-test-failures", false, {
    description: "Exit 1 when the merged reports hold failures or errors, even if every command exited 0",
  });
  failFast = Option.Boolean("--fail-fast", false, {
    description: "Stop the other shards as soon as one fails (every lease is still released)",
  });
  json = jsonOption();
  quiet = Option.Boolean("--quiet", false, {
    description: "Drop the shards' own output; keep the shard lifecycle lines and the verdict",
  });
  envNames = Option.Array("--env", [], {
    description: "Forward this local variable (a name, or PREFIX_*) to every shard (repeatable)",
  });
  command = Option.Rest({ name: "command" });

  async execute(): Promise<number> {
    const count = Number(this.count);
    if (this.count === undefined || !Number.isInteger(count) || count < 1 || count > bounds.shards)
      throw new CrabboxError(
        "usage",
        `--count must be a whole number from 1 to ${bounds.shards}: crabbox shard --count 4 -- <command…>`,
        { field: "count" },
      );
    if (this.command.length === 0)
      throw new CrabboxError("usage", "usage: crabbox shard --count N -- <command…>");
    if (this.timingJson !== undefined)
      throw new CrabboxError("usage", "--timing-json is per run; crabbox shard prints one verdict instead", {
        field: "timing-json",
      });
    const configStarted = Date.now();
    const config = this.loadConfig();
    const { maxCount } = config.shard;
    if (maxCount > 0 && count > maxCount)
      throw new CrabboxError(
        "usage",
        `--count ${count} exceeds shard.maxCount ${maxCount} (config); ask for at most ${maxCount}: crabbox shard --count ${maxCount} -- <command…>`,
        { field: "count" },
      );
    forwardEnvNames(config, this.envNames);
    const junit = junitGlobs(this.junit, config);
    // The reports travel back as artifacts, so the merge reads real files.
    const artifacts = artifactOptions(config, {
      artifact: [...this.artifact, ...junit],
      requireArtifact: [],
    });
    return runShards(this.runIO(config, Date.now() - configStarted), {
      count,
      argv: this.command,
      shell: this.shell,
      junit,
      artifacts,
      failOnTestFailures: this.failOnTestFailures || config.results.failOnFailures,
      failFast: this.failFast,
      json: this.json,
      quiet: this.quiet,
    });
  }
}
