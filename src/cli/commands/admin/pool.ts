import { printJson } from "../../output/print";
import { CrabboxCommand, jsonOption } from "../base";
import { Command } from "../clipanion";

/** `crabbox admin pool`: the coordinator's ready pools (docs/api.md#ready-pools). */
export class AdminPoolCommand extends CrabboxCommand {
  static override paths = [["admin", "pool"]];
  static override usage = Command.Usage({
    category: "Admin",
    description:
      "Show the ready pools: settings, ready and booting machines, their hourly cost (admin token)",
  });
  json = jsonOption();

  async execute(): Promise<number> {
    const client = this.requireAdmin(this.loadConfig(), "admin pool");
    const answer = await client.pool();
    const pools = answer.pools ?? [];
    if (this.json) {
      printJson(this.context.stdout, {
        pools,
        ...(answer.poolConfigError ? { poolConfigError: answer.poolConfigError } : {}),
      });
      return 0;
    }
    if (answer.poolConfigError)
      this.context.stderr.write(
        `crabbox: ${answer.poolConfigError}; no pool is kept until CRABBOX_POOLS is fixed\n`,
      );
    if (!pools.length && !answer.poolConfigError)
      this.context.stderr.write(
        "crabbox: no ready pools configured; set CRABBOX_POOLS on the coordinator (docs/api.md#ready-pools)\n",
      );
    for (const p of pools) {
      this.out(
        `${p.provider}/${p.class}/${p.region || "-"} ready=${p.ready} provisioning=${p.provisioning} min=${p.min} max=${p.max} maxReadyAge=${p.maxReadyAgeSeconds}s hourlyUSD=${p.hourlyUSD}`,
      );
      for (const m of p.machines)
        this.out(
          `  ${m.id.padEnd(16)} ${m.state.padEnd(12)} ${(m.cloudID ?? "-").padEnd(24)} ready=${m.readyAt ?? "-"}`,
        );
    }
    return 0;
  }
}
