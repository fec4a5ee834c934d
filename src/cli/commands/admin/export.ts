import type { ExportEntry } from "../../../api/export";
import { exportEndLine, exportEventLine, exportHeaderLine } from "../../../events/export-lines";
import { CrabboxCommand } from "../base";
import { Command, Option } from "../clipanion";

/**
 * `crabbox admin export --since <date> > log.ndjson`: the log of a period as stored, with its
 * hash chain, one JSON object a line (format in docs/event-log.md, "Export format").
 */
export class AdminExportCommand extends CrabboxCommand {
  static override paths = [["admin", "export"]];
  static override usage = Command.Usage({
    category: "Admin",
    description:
      "Write the event log of a period, with its hash chain, as NDJSON (check it with verify-export)",
    examples: [["Export December", "crabbox admin export --since 2026-12-01T00:00:00Z > log.ndjson"]],
  });
  since = Option.String("--since", { description: "ISO time or unix ms (default: the start of the log)" });
  until = Option.String("--until", { description: "ISO time or unix ms, exclusive (default: now)" });

  async execute(): Promise<number> {
    const client = this.requireAdmin(this.loadConfig(), "admin export");
    let after = 0;
    let count = 0;
    let last: ExportEntry | undefined;
    let head: { seq: number; hash: string } | undefined;
    for (;;) {
      const page = await client.adminExport({ after, limit: 500, since: this.since, until: this.until });
      if (!head) {
        head = page.head;
        this.out(
          exportHeaderLine({
            since: this.since ?? null,
            until: this.until ?? null,
            exportedAt: new Date().toISOString(),
            head: page.head,
          }),
        );
      }
      for (const entry of page.entries) {
        this.out(exportEventLine(entry));
        count += 1;
        last = entry;
      }
      if (page.next === undefined) break;
      after = page.next;
    }
    this.out(exportEndLine(count, last));
    this.err(
      `exported ${count} events${last ? ` up to seq ${last.seq}, last hash ${last.hash}` : ""}; check with: crabbox admin verify-export <file>`,
    );
    return 0;
  }
}
