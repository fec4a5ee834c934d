import { printJson } from "../../output/print";
import { CrabboxCommand, jsonOption } from "../base";
import { Command, Option } from "../clipanion";
import { nonNegativeInt } from "../events";

export class AdminEventsCommand extends CrabboxCommand {
  static override paths = [["admin", "events"]];
  static override usage = Command.Usage({
    category: "Admin",
    description: "Read the coordinator's event log (the audit trail), paged by sequence number",
  });
  after = Option.String("--after", "0", { description: "Only events after this global seq" });
  limit = Option.String("--limit", "100", { description: "At most this many (max 500)" });
  stream = Option.String("--stream", { description: "e.g. lease:cbx_… or run:run_… or fleet" });
  type = Option.String("--type", { description: "Event type, e.g. Released" });
  owner = Option.String("--owner");
  since = Option.String("--since", { description: "ISO time or unix ms" });
  until = Option.String("--until", { description: "ISO time or unix ms" });
  json = jsonOption();

  async execute(): Promise<number> {
    const client = this.requireAdmin(this.loadConfig(), "admin events");
    const page = await client.adminEvents({
      after: nonNegativeInt(this.after, "--after"),
      limit: nonNegativeInt(this.limit, "--limit", 1),
      stream: this.stream,
      type: this.type,
      owner: this.owner,
      since: this.since,
      until: this.until,
    });
    if (this.json) {
      printJson(this.context.stdout, page);
      return 0;
    }
    for (const e of page.events) {
      this.out(
        `${String(e.seq).padStart(6, "0")} ${e.at} ${e.stream.padEnd(22)} v${e.version} ${e.type} ${JSON.stringify(e.data)}`,
      );
    }
    if (page.next !== undefined) this.err(`more: crabbox admin events --after ${page.next}`);
    return 0;
  }
}
