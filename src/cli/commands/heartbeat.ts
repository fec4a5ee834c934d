import { parseDuration } from "../config";
import { printJson } from "../output/print";
import { CrabboxCommand, jsonOption } from "./base";
import { Command, Option } from "./clipanion";
import { leaseLine } from "./lease-view";

export class HeartbeatCommand extends CrabboxCommand {
  static override paths = [["heartbeat"]];
  static override usage = Command.Usage({
    description: "Mark a lease as in use (for tools that use the machine over their own SSH)",
  });
  idleTimeout = Option.String("--idle-timeout", {
    description: "Also change the lease's idle timeout (e.g. 2h)",
  });
  json = jsonOption();
  id = Option.String({ required: true, name: "lease-id-or-slug" });

  async execute(): Promise<number> {
    const config = this.loadConfig();
    const client = this.requireCoordinator(config, "heartbeat");
    const body = this.idleTimeout
      ? { idleTimeoutSeconds: Math.round(parseDuration(this.idleTimeout, "--idle-timeout") / 1000) }
      : {};
    const lease = await client.heartbeat(this.id, body, this.context.signal);
    if (this.json) printJson(this.context.stdout, lease);
    else this.out(leaseLine(lease));
    return 0;
  }
}
