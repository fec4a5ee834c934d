import type { UsageGroup } from "../../api";
import { printJson } from "../output/print";
import { CrabboxCommand, jsonOption } from "./base";
import { Command, Option } from "./clipanion";

function money(n: number): string {
  return `$${n.toFixed(2)}`;
}

function groupLines(title: string, groups: UsageGroup[]): string[] {
  if (!groups.length) return [];
  return [
    `${title}:`,
    ...groups.map(
      (g) =>
        `  ${g.key.padEnd(24)} leases=${g.leases} active=${g.activeLeases} runtime=${Math.round(g.runtimeSeconds / 60)}m estimated=${money(g.estimatedUSD)} reserved=${money(g.reservedUSD)}`,
    ),
  ];
}

export class UsageCommand extends CrabboxCommand {
  static override paths = [["usage"]];
  static override usage = Command.Usage({ description: "Show lease usage and estimated cost for a month" });
  scope = Option.String("--scope", "user", { description: "user, org or all (all needs admin)" });
  user = Option.String("--user", { description: "Owner (admins)" });
  org = Option.String("--org", { description: "Org (admins)" });
  month = Option.String("--month", { description: "YYYY-MM (default: this UTC month)" });
  json = jsonOption();

  async execute(): Promise<number> {
    const config = this.loadConfig();
    let client = this.requireCoordinator(config, "usage");
    if (this.scope === "all" && config.broker.adminToken) client = client.asAdmin(config.broker.adminToken);
    const { usage, limits } = await client.usage({
      scope: this.scope,
      owner: this.user,
      org: this.org,
      month: this.month,
    });
    if (this.json) {
      printJson(this.context.stdout, { usage, limits });
      return 0;
    }
    this.out(
      `usage month=${usage.month} scope=${usage.scope}${usage.owner ? ` owner=${usage.owner}` : ""}${usage.org ? ` org=${usage.org}` : ""}`,
    );
    this.out(
      `total leases=${usage.leases} active=${usage.activeLeases} runtime=${Math.round(usage.runtimeSeconds / 60)}m estimated=${money(usage.estimatedUSD)} reserved=${money(usage.reservedUSD)}`,
    );
    for (const line of [
      ...groupLines("owners", usage.byOwner),
      ...groupLines("orgs", usage.byOrg),
      ...groupLines("providers", usage.byProvider),
      ...groupLines("server_types", usage.byServerType),
    ])
      this.out(line);
    // Ready pools (scope all): machines waiting cost money too (docs/api.md#usage).
    if (usage.byPool?.length) {
      this.out(`ready pools estimated=${money(usage.poolEstimatedUSD ?? 0)} (beside the leases' total)`);
      for (const g of usage.byPool)
        this.out(
          `  ${g.key.padEnd(24)} machines=${g.leases} waiting=${g.activeLeases} pool_time=${Math.round(g.runtimeSeconds / 60)}m estimated=${money(g.estimatedUSD)} reserved=${money(g.reservedUSD)}`,
        );
    }
    const off = (n: number, f: (n: number) => string = String) => (n > 0 ? f(n) : "off");
    this.out("limits:");
    this.out(
      `  active_leases=${off(limits.maxActiveLeases)} per_owner=${off(limits.maxActiveLeasesPerOwner)} per_org=${off(limits.maxActiveLeasesPerOrg)}`,
    );
    this.out(
      `  monthly=${off(limits.maxMonthlyUSD, money)} per_owner=${off(limits.maxMonthlyUSDPerOwner, money)} per_org=${off(limits.maxMonthlyUSDPerOrg, money)}`,
    );
    return 0;
  }
}
