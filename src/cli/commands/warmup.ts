import { CrabboxError } from "../../errors";
import { kv, printJson } from "../output/print";
import { printTiming } from "../output/timing";
import { PhaseClock } from "../run/phase-clock";
import { acquire } from "../target";
import { collectTelemetry } from "../telemetry";
import { jsonOption } from "./base";
import { Command, Option } from "./clipanion";
import { LeaseCreateCommand } from "./lease-create";

export class WarmupCommand extends LeaseCreateCommand {
  static override paths = [["warmup"]];
  static interruptNote = "releasing the lease";
  static override usage = Command.Usage({
    description: "Lease a machine and wait until it is ready; reuse it with `crabbox run --id <slug>`",
    examples: [
      [
        "Warm a machine, run twice, release",
        "crabbox warmup && crabbox run --id <slug> -- make test && crabbox stop <slug>",
      ],
    ],
  });
  keep = Option.Boolean("--keep", true, {
    description: "Keep the lease after warmup (default; --no-keep releases)",
  });
  json = jsonOption();

  async execute(): Promise<number> {
    if (this.market && !["spot", "on-demand"].includes(this.market)) {
      throw new CrabboxError("usage", `--market must be spot or on-demand, got "${this.market}"`);
    }
    const started = Date.now();
    const config = this.loadConfig();
    const configMs = Date.now() - started;
    const clock = new PhaseClock();
    const progress = clock.watch(this.progress());
    const acquireStarted = Date.now();
    const target = await acquire({
      config,
      env: this.env,
      signal: this.context.signal,
      progress,
      keep: this.keep,
      sampler: (session) => collectTelemetry(session),
    });
    const acquired = Date.now();
    const readyAt = clock.first("waiting for ssh", acquireStarted) ?? acquired;
    progress.done();
    const { connection, lease } = target;
    const ssh = `${connection.user}@${connection.host}:${target.session.port}`;
    if (this.json) {
      printJson(this.context.stdout, {
        lease: lease ?? null,
        leaseID: connection.leaseID,
        slug: connection.slug,
        ssh,
        ready: true,
      });
    } else {
      this.out(
        `leased ${connection.leaseID} ${kv({ slug: connection.slug, provider: connection.provider, type: lease?.serverType, host: connection.host, idle_timeout: lease ? `${lease.idleTimeoutSeconds}s` : undefined, expires: lease?.expiresAt })}`,
      );
      this.out(`ready ssh=${ssh} workroot=${connection.workRoot}`);
      this.out(`warmup complete total=${((Date.now() - started) / 1000).toFixed(1)}s`);
      if (this.keep && target.acquired)
        this.err(
          `reuse it: crabbox run --id ${connection.slug} -- <command>; release it: crabbox stop ${connection.slug}`,
        );
    }
    const releaseStarted = Date.now();
    await target.finish(this.keep);
    if (this.timingJson) {
      const phases = {
        config: configMs,
        manifest: 0,
        lease: readyAt - acquireStarted,
        ready: acquired - readyAt,
        sync: 0,
        command: 0,
        collect: 0,
        release: Date.now() - releaseStarted,
      };
      printTiming(
        this.context.stderr,
        {
          provider: connection.provider,
          leaseId: connection.leaseID,
          slug: connection.slug,
          leaseMs: phases.lease,
          syncMs: 0,
          syncSkipped: false,
          commandMs: 0,
          totalMs: Date.now() - started,
          exitCode: 0,
          phases,
        },
        this.timingJson,
      );
    }
    return 0;
  }
}
