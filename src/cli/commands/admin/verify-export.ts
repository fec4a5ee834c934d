import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CrabboxError } from "../../../errors";
import { verifyExport } from "../../../events/verify-export";
import { printJson } from "../../output/print";
import { CrabboxCommand, jsonOption } from "../base";
import { Command, Option } from "../clipanion";

/** `crabbox admin verify-export log.ndjson`: checks an export offline (no coordinator needed). */
export class AdminVerifyExportCommand extends CrabboxCommand {
  static override paths = [["admin", "verify-export"]];
  static override usage = Command.Usage({
    category: "Admin",
    description: "Check a log export offline: reports every edited, dropped or reordered event",
  });
  file = Option.String({ name: "file" });
  json = jsonOption();

  async execute(): Promise<number> {
    let text: string;
    try {
      text = readFileSync(resolve(this.context.cwd, this.file), "utf8");
    } catch (error) {
      throw new CrabboxError("usage", `cannot read ${this.file}: ${(error as Error).message}`);
    }
    const report = verifyExport(text);
    if (this.json) {
      printJson(this.context.stdout, report);
      return report.ok ? 0 : 1;
    }
    for (const p of report.problems)
      this.out(`line ${p.line}${p.seq !== undefined ? ` (seq ${p.seq})` : ""}: ${p.kind}: ${p.message}`);
    const range = report.firstSeq === null ? "no events" : `seq ${report.firstSeq}..${report.lastSeq}`;
    if (report.ok) this.out(`ok: ${report.events} events, ${range}, last hash ${report.lastHash ?? "none"}`);
    else this.out(`NOT OK: ${report.problems.length} problem(s) in ${report.events} events (${range})`);
    return report.ok ? 0 : 1;
  }
}
