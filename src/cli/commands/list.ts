import { isStaticProvider } from "../config";
import { printJson } from "../output/print";
import { staticConnection } from "../static/target";
import { CrabboxCommand, jsonOption, providerLayer } from "./base";
import { Command, Option } from "./clipanion";
import { leaseLine } from "./lease-view";

export class ListCommand extends CrabboxCommand {
  static override paths = [["list"], ["pool", "list"]];
  static override usage = Command.Usage({ description: "List your active leases (all states with --all)" });
  provider = Option.String("--provider", { description: "Only leases of this provider" });
  all = Option.Boolean("--all", false, { description: "Include ended leases" });
  json = jsonOption();

  protected override flagLayer() {
    return providerLayer(this.provider);
  }

  async execute(): Promise<number> {
    const config = this.loadConfig();
    if (isStaticProvider(config.provider)) {
      const c = staticConnection(config, this.env);
      const view = { id: c.leaseID, slug: c.slug, provider: "ssh", host: c.host, state: "static" };
      if (this.json) printJson(this.context.stdout, { leases: [view] });
      else this.out(`${view.id} slug=${view.slug} provider=ssh host=${view.host} state=static`);
      return 0;
    }
    const client = this.requireCoordinator(config, "list");
    const leases = (await client.listLeases({ limit: 500 })).filter(
      (l) =>
        (this.all || l.state === "active" || l.state === "provisioning") &&
        (!this.provider || l.provider === this.provider),
    );
    if (this.json) {
      printJson(this.context.stdout, { leases });
      return 0;
    }
    if (leases.length === 0) this.err(this.all ? "no leases" : "no active leases");
    for (const lease of leases) this.out(leaseLine(lease));
    return 0;
  }
}
