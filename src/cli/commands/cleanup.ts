import { CrabboxError } from "../../errors";
import { cloudProviderNames, inWords } from "../../providers/names";
import { hasCoordinator, isStaticProvider } from "../config";
import { sweepDirectMachines } from "../direct/cleanup";
import { directOwner } from "../direct/owner";
import { directProvider } from "../direct/providers";
import { CrabboxCommand, providerLayer } from "./base";
import { Command, Option } from "./clipanion";

export class CleanupCommand extends CrabboxCommand {
  static override paths = [["cleanup"], ["machine", "cleanup"]];
  static override usage = Command.Usage({
    description: "Direct mode only: delete expired crabbox machines by their cloud labels",
    details:
      "Deletes only machines whose labels prove they are your own direct-mode crabbox machines past expiry. " +
      "With a coordinator configured, its alarm owns expiry and clean-up, so this command refuses unless --direct is given; " +
      "use `crabbox admin leases` and `crabbox admin release <id>` for brokered leases.",
  });
  provider = Option.String("--provider", { description: inWords(cloudProviderNames) });
  dryRun = Option.Boolean("--dry-run", false, { description: "Only print what would be deleted" });
  direct = Option.Boolean("--direct", false, {
    description: "Sweep your direct-mode machines even though a coordinator is configured",
  });

  protected override flagLayer() {
    return providerLayer(this.provider, this.direct);
  }

  async execute(): Promise<number> {
    const config = this.loadConfig();
    if (hasCoordinator(config) && !config.direct) {
      throw new CrabboxError(
        "usage",
        `a coordinator is configured (${config.broker.url}): its alarms expire leases and delete their machines. ` +
          "To end leases by hand use `crabbox stop <id>` or, as an admin, `crabbox admin release <id> --delete`; " +
          "for machines you created in direct mode, `crabbox cleanup --direct`.",
      );
    }
    if (isStaticProvider(config.provider)) {
      throw new CrabboxError(
        "unsupported",
        "provider ssh is a static host that crabbox never creates or deletes; nothing to clean up",
      );
    }
    if (config.provider === "local") {
      throw new CrabboxError(
        "unsupported",
        "local machines belong to the local stack: `crabbox dev stop` stops it and its machines",
      );
    }
    const report = await sweepDirectMachines({
      provider: await directProvider(config.provider, this.env),
      owner: directOwner(this.env),
      nowMs: Date.now(),
      dryRun: this.dryRun,
      env: this.env,
      stdout: this.context.stdout,
      stderr: this.context.stderr,
    });
    this.context.stderr.write(
      `cleanup provider=${config.provider} ${this.dryRun ? "would delete" : "deleted"}=${report.deleted.length} skipped=${report.skipped.length}\n`,
    );
    return 0;
  }
}
