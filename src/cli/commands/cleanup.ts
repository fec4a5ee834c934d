import { CrabboxError } from "../../errors";
import { hasCoordinator, isStaticProvider } from "../config";
import { CrabboxCommand } from "./base";
import { Command, Option } from "./clipanion";

export class CleanupCommand extends CrabboxCommand {
  static override paths = [["cleanup"], ["machine", "cleanup"]];
  static override usage = Command.Usage({
    description: "Direct mode only: delete expired crabbox machines by their cloud labels",
    details:
      "With a coordinator configured, its alarm owns expiry and clean-up, so this command refuses; use `crabbox admin leases` and `crabbox admin release` instead.",
  });
  provider = Option.String("--provider", { description: "hetzner, aws or azure" });
  dryRun = Option.Boolean("--dry-run", false, { description: "Only print what would be deleted" });

  protected override flagLayer() {
    return this.provider ? { provider: this.provider } : {};
  }

  async execute(): Promise<number> {
    const config = this.loadConfig();
    if (hasCoordinator(config)) {
      throw new CrabboxError(
        "usage",
        `a coordinator is configured (${config.broker.url}): its alarms expire leases and delete their machines. ` +
          "To end leases by hand use `crabbox stop <id>` or, as an admin, `crabbox admin release <id> --delete`.",
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
    throw new CrabboxError(
      "unsupported",
      `direct mode (the CLI calling ${config.provider} itself, without a coordinator) is not available in this version, ` +
        "so there is nothing it could have left behind. Lease through a coordinator (`crabbox dev` or `crabbox login --url …`).",
    );
  }
}
