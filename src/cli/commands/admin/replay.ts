import { printJson } from "../../output/print";
import { CrabboxCommand, jsonOption } from "../base";
import { Command } from "../clipanion";

export class AdminReplayCommand extends CrabboxCommand {
  static override paths = [["admin", "replay"]];
  static override usage = Command.Usage({
    category: "Admin",
    description: "Rebuild the read models from the event log and compare them with the live ones",
  });
  json = jsonOption();

  async execute(): Promise<number> {
    const report = await this.requireAdmin(this.loadConfig(), "admin replay").adminReplay();
    if (this.json) printJson(this.context.stdout, report);
    else {
      this.out(`replay ok=${report.ok} events=${report.events} differences=${report.differences.length}`);
      for (const d of report.differences.slice(0, 50)) this.out(`  ${d.kind} ${d.table} ${d.key}`);
    }
    return report.ok ? 0 : 1;
  }
}
