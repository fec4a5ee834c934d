import { CrabboxError } from "../../errors";
import { artifactOptions } from "../run/artifacts-step";
import { runFlow } from "../run/flow";
import { Command, Option } from "./clipanion";
import { LeaseCreateCommand } from "./lease-create";
import { forwardEnvNames, junitGlobs } from "./run-inputs";

export class RunCommand extends LeaseCreateCommand {
  static override paths = [["run"]];
  static interruptNote = "stopping the remote command and releasing the lease";
  static override usage = Command.Usage({
    description: "Lease a machine, sync this checkout, run a command there with live output, release",
    details:
      "Exits with the remote command's status. The command after `--` runs as an argv (no remote shell expansion); " +
      "with --shell, or as one quoted string, it runs as a shell script. Ctrl-C stops the remote command and still releases the lease.",
    examples: [
      ["Run the tests on a fresh machine", "crabbox run -- pnpm test"],
      ["Reuse a warm lease", "crabbox run --id blue-lobster -- make check"],
      ["A shell pipeline", 'crabbox run --shell -- "pnpm build && pnpm test | tee out.txt"'],
    ],
  });
  id = Option.String("--id", { description: "Reuse this lease (ID or slug) instead of leasing one" });
  keep = Option.Boolean("--keep", false, { description: "Keep the lease after the run" });
  noSync = Option.Boolean("--no-sync", false, { description: "Do not sync the checkout" });
  syncOnly = Option.Boolean("--sync-only", false, {
    description: "Sync, then stop without running a command",
  });
  shell = Option.Boolean("--shell", false, { description: "Run the command words as one shell script" });
  junit = Option.String("--junit", {
    description: "Comma-separated JUnit XML globs to collect (overrides results.junit)",
  });
  forceSyncLarge = Option.Boolean("--force-sync-large", false, {
    description: "Allow a sync above the size guard",
  });
  allowMassDeletions = Option.Boolean("--allow-mass-deletions", false, {
    description: "Allow a sync that deletes most remote files",
  });
  artifact = Option.Array("--artifact", [], {
    description: "Copy files matching this glob back after the command (repeatable; adds to artifacts.globs)",
  });
  requireArtifact = Option.Array("--require-artifact", [], {
    description: "Like --artifact, and a glob that matches nothing fails the run with exit 8 (repeatable)",
  });
  artifactDir = Option.String("--artifact-dir", {
    description: "Where artifacts land (default .crabbox/artifacts/<run-id> at the repo root)",
  });
  syncRoot = Option.String("--sync-root", {
    description: "Sync this directory instead of the repository around the current one (sync.root)",
  });
  failOnTestFailures = Option.Boolean("--fail-on-test-failures", false, {
    description: "Exit 1 when the JUnit reports hold failures or errors, even if the command exited 0",
  });
  resultsAuto = Option.Boolean("--results-auto", false, {
    description:
      "Also read JUnit reports the command wrote in the usual places (junit*.xml, TEST-*.xml, results.xml…)",
  });
  envNames = Option.Array("--env", [], {
    description:
      "Forward this local variable (a name, or PREFIX_*) to the command (repeatable; adds to env.allow)",
  });
  command = Option.Rest({ name: "command" });

  async execute(): Promise<number> {
    if (this.market && !["spot", "on-demand"].includes(this.market)) {
      throw new CrabboxError("usage", `--market must be spot or on-demand, got "${this.market}"`);
    }
    if (this.command.length === 0 && !this.syncOnly) {
      throw new CrabboxError("usage", "usage: crabbox run [flags] -- <command…> (or --sync-only)");
    }
    if (this.syncOnly && this.noSync)
      throw new CrabboxError("usage", "--sync-only and --no-sync contradict each other");
    const configStarted = Date.now();
    const config = this.loadConfig();
    const configMs = Date.now() - configStarted;
    const junit = junitGlobs(this.junit, config);
    forwardEnvNames(config, this.envNames);
    const artifacts = artifactOptions(config, {
      artifact: this.artifact,
      requireArtifact: this.requireArtifact,
      ...(this.artifactDir !== undefined ? { artifactDir: this.artifactDir } : {}),
    });
    return runFlow(this.runIO(config, configMs, this.syncRoot), {
      argv: this.command,
      shell: this.shell,
      keep: this.keep || Boolean(this.id),
      id: this.id,
      noSync: this.noSync,
      syncOnly: this.syncOnly,
      junit,
      timingJson: this.timingJson,
      forceSyncLarge: this.forceSyncLarge,
      allowMassDeletions: this.allowMassDeletions,
      artifacts,
      failOnTestFailures: this.failOnTestFailures || config.results.failOnFailures,
      resultsAuto: this.resultsAuto || config.results.auto,
    });
  }
}
