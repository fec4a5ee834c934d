import type { LeaseRecord } from "../../api";
import { hasCoordinator, isStaticProvider } from "../config";
import { coordinatorFromConfig } from "../coordinator/connect";
import { listDirectRecords } from "../direct/records";
import { printJson } from "../output/print";
import { staticConnection } from "../target/static-host";
import { CrabboxCommand, jsonOption, providerLayer } from "./base";
import { Command, Option } from "./clipanion";
import { type DirectLeaseView, directLeaseLine, directLeaseView } from "./direct-lease-view";
import { leaseLine } from "./lease-view";

export class ListCommand extends CrabboxCommand {
  static override paths = [["list"], ["pool", "list"]];
  static override usage = Command.Usage({
    description: "List your active leases (all states with --all) and this computer's direct leases",
  });
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
    // Every record is a lease not yet stopped, so --all has nothing more to show for them.
    const direct = listDirectRecords(this.env)
      .filter((r) => !this.provider || r.provider === this.provider)
      .map((r) => directLeaseView(r));
    if (!hasCoordinator(config)) {
      this.print([], direct, "no direct leases on this computer, and no coordinator configured");
      return 0;
    }
    let leases: LeaseRecord[];
    try {
      leases = (await coordinatorFromConfig(config, this.env).listLeases({ limit: 500 })).filter(
        (l) =>
          (this.all || l.state === "active" || l.state === "provisioning") &&
          (!this.provider || l.provider === this.provider),
      );
    } catch (error) {
      // The direct leases are known without the coordinator; an outage should not hide them.
      this.print(undefined, direct);
      throw error;
    }
    this.print(leases, direct, this.all ? "no leases" : "no active leases");
    return 0;
  }

  /** `leases` undefined: the coordinator did not answer, so there is no list of its leases to show. */
  private print(leases: LeaseRecord[] | undefined, direct: DirectLeaseView[], none = ""): void {
    if (this.json) {
      printJson(this.context.stdout, { ...(leases ? { leases } : {}), direct });
      return;
    }
    if (leases?.length === 0 && direct.length === 0) this.err(none);
    for (const lease of leases ?? []) this.out(leaseLine(lease));
    for (const view of direct) this.out(directLeaseLine(view));
  }
}
