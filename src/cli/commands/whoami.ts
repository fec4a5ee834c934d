import { kv, printJson } from "../output/print";
import { CrabboxCommand, jsonOption } from "./base";
import { Command } from "./clipanion";

export class WhoamiCommand extends CrabboxCommand {
  static override paths = [["whoami"]];
  static override usage = Command.Usage({ description: "Show who the coordinator thinks you are" });
  json = jsonOption();

  async execute(): Promise<number> {
    const config = this.loadConfig();
    const client = this.requireCoordinator(config, "whoami");
    const me = await client.whoami(this.context.signal);
    if (this.json) printJson(this.context.stdout, { ...me, broker: client.url });
    else
      this.out(
        kv({
          user: me.owner,
          org: me.org,
          auth: me.auth,
          kind: me.kind,
          admin: me.admin,
          broker: client.url,
        }),
      );
    return 0;
  }
}
