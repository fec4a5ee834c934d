import { CrabboxError } from "../../errors";
import { loadConfig } from "../config";
import { mergeLayers } from "../config/merge";
import { blameJob, findJob, planJob } from "../jobs/job-plan";
import { runJob } from "../jobs/run-job";
import { kv, printJson } from "../output/print";
import { normaliseArtifactGlob } from "../run/artifact-globs";
import { artifactOptions } from "../run/artifacts-step";
import { assertJUnitGlobs } from "../run/results";
import { jsonOption } from "./base";
import { Command, Option } from "./clipanion";
import { LeaseCreateCommand } from "./lease-create";

export class JobCommand extends LeaseCreateCommand {
  static override paths = [["job"]];
  static interruptNote = "stopping the job's command and releasing its lease as its stop policy says";
  static override usage = Command.Usage({
    description: "Run a job named in .crabbox.yaml (jobs:), or list them",
    details:
      "A job names its machine (class, ttl, target), the variables it forwards, a setup and a command, its artifacts and JUnit reports, and when its lease is released (stop: auto|always|success|failure|never). Lease flags given here override the job's. Exits with the command's status.",
    examples: [
      ["List the configured jobs", "crabbox job --list"],
      ["Run one", "crabbox job unit"],
      ["Run it on a warm lease", "crabbox job unit --id blue-lobster"],
    ],
  });
  list = Option.Boolean("--list", false, { description: "List the configured jobs" });
  json = jsonOption();
  id = Option.String("--id", { description: "Run on this lease (ID or slug) instead of leasing one" });
  name = Option.String({ required: false, name: "name" });

  async execute(): Promise<number> {
    const flags = this.flagLayer();
    const base = this.loadConfig();
    if (this.list || !this.name) {
      if (this.name) throw new CrabboxError("usage", "crabbox job --list takes no job name");
      return this.printList(base.jobs);
    }
    const plan = planJob(this.name, findJob(base, this.name), base.env.allow);
    for (const glob of [...plan.artifact, ...plan.requireArtifact])
      normaliseArtifactGlob(`jobs.${plan.name}.artifactGlobs`, glob);
    assertJUnitGlobs(plan.junit, `jobs.${plan.name}.junit`);
    const configStarted = Date.now();
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig({ env: this.env, cwd: this.context.cwd, flags: mergeLayers(plan.layer, flags) });
    } catch (error) {
      throw blameJob(error, plan, flags);
    }
    const artifacts = artifactOptions(config, {
      artifact: plan.artifact,
      requireArtifact: plan.requireArtifact,
    });
    return runJob(this.runIO(config, Date.now() - configStarted), plan, {
      ...(this.id ? { id: this.id } : {}),
      artifacts,
    });
  }

  private printList(
    jobs: Record<string, { command: string | string[]; description?: string; class?: string; stop?: string }>,
  ) {
    const names = Object.keys(jobs).sort();
    if (this.json) {
      printJson(this.context.stdout, { jobs: names.map((name) => ({ name, ...jobs[name] })) });
      return 0;
    }
    if (names.length === 0) {
      this.out('no jobs configured: add a jobs: section to .crabbox.yaml (docs/cli.md "Jobs")');
      return 0;
    }
    for (const name of names) {
      const job = jobs[name]!;
      const command = typeof job.command === "string" ? job.command : job.command.join(" ");
      this.out(
        `${name}  ${kv({ class: job.class, stop: job.stop ?? "auto" })}  ${command}${job.description ? `  # ${job.description}` : ""}`,
      );
    }
    return 0;
  }
}
