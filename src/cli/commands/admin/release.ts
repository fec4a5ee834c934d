import { kv, printJson } from "../../output/print";
import { CrabboxCommand, jsonOption } from "../base";
import { Command, Option } from "../clipanion";

export class AdminReleaseCommand extends CrabboxCommand {
  static override paths = [["admin", "release"]];
  static override usage = Command.Usage({
    category: "Admin",
    description: "Release anyone's lease (admin token)",
  });
  delete = Option.Boolean("--delete", false, { description: "Also delete the machine of a keep=true lease" });
  json = jsonOption();
  id = Option.String({ required: true, name: "lease-id-or-slug" });

  async execute(): Promise<number> {
    const lease = await this.requireAdmin(this.loadConfig(), "admin release").adminRelease(
      this.id,
      this.delete,
    );
    if (this.json) printJson(this.context.stdout, lease);
    else
      this.out(`released ${lease.id} ${kv({ slug: lease.slug, state: lease.state, delete: this.delete })}`);
    return 0;
  }
}
