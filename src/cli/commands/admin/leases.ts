import { printJson } from "../../output/print";
import { CrabboxCommand, jsonOption } from "../base";
import { Command, Option } from "../clipanion";
import { nonNegativeInt } from "../events";
import { idleFor } from "../lease-view";

export class AdminLeasesCommand extends CrabboxCommand {
  static override paths = [["admin", "leases"]];
  static override usage = Command.Usage({
    category: "Admin",
    description: "List every owner's leases (admin token)",
  });
  state = Option.String("--state", { description: "provisioning, active, released, expired or failed" });
  owner = Option.String("--owner");
  org = Option.String("--org");
  limit = Option.String("--limit", "100");
  json = jsonOption();

  async execute(): Promise<number> {
    const client = this.requireAdmin(this.loadConfig(), "admin leases");
    const leases = await client.adminLeases({
      state: this.state,
      owner: this.owner,
      org: this.org,
      limit: nonNegativeInt(this.limit, "--limit", 1),
    });
    if (this.json) {
      printJson(this.context.stdout, { leases });
      return 0;
    }
    for (const l of leases) {
      this.out(
        `${l.id.padEnd(16)} ${l.slug.padEnd(16)} ${l.provider.padEnd(8)} ${l.state.padEnd(12)} ${(l.serverType ?? "-").padEnd(14)} ${(l.host ?? "-").padEnd(24)} owner=${l.owner} org=${l.org} idle=${idleFor(l)} expires=${l.expiresAt}`,
      );
    }
    return 0;
  }
}
