import { CrabboxError } from "../../../errors";
import { kv, printJson } from "../../output/print";
import { CrabboxCommand, jsonOption } from "../base";
import { Command, Option } from "../clipanion";

export class AdminDeleteCommand extends CrabboxCommand {
  static override paths = [["admin", "delete"]];
  static override usage = Command.Usage({
    category: "Admin",
    description: "Delete a lease's machine and end the lease (admin token; needs --force)",
  });
  force = Option.Boolean("--force", false, { description: "Confirm the deletion" });
  json = jsonOption();
  id = Option.String({ required: true, name: "lease-id-or-slug" });

  async execute(): Promise<number> {
    if (!this.force)
      throw new CrabboxError(
        "usage",
        `admin delete removes the machine of ${this.id}; add --force to confirm`,
      );
    const lease = await this.requireAdmin(this.loadConfig(), "admin delete").adminDelete(this.id);
    if (this.json) printJson(this.context.stdout, lease);
    else
      this.out(
        `deleted ${lease.id} ${kv({ slug: lease.slug, state: lease.state, machine: lease.machineState })}`,
      );
    return 0;
  }
}
