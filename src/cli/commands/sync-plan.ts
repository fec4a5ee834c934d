import { kv, printJson } from "../output/print";
import { humanBytes } from "../output/progress";
import { prepareManifestOnly } from "../run/manifest";
import { resolveSyncRoot } from "../sync/root";
import { CrabboxCommand, jsonOption } from "./base";
import { Command, Option } from "./clipanion";
import { nonNegativeInt } from "./events";

/** `.` for files at the root, the first segment for depth 2, the first two segments below that. */
export function dirKey(path: string): string {
  const parts = path.split("/");
  if (parts.length === 1) return ".";
  if (parts.length === 2) return parts[0]!;
  return parts.slice(0, 2).join("/");
}

export class SyncPlanCommand extends CrabboxCommand {
  static override paths = [["sync-plan"]];
  static override usage = Command.Usage({
    description: "Show what `crabbox run` would sync (largest files and directories); leases nothing",
  });
  limit = Option.String("--limit", "20", { description: "Rows per table" });
  syncRoot = Option.String("--sync-root", {
    description: "Plan for this directory instead of the repository around the current one (sync.root)",
  });
  json = jsonOption();

  async execute(): Promise<number> {
    const limit = nonNegativeInt(this.limit, "--limit", 1);
    const config = this.loadConfig();
    const root = resolveSyncRoot(
      this.context.cwd,
      { flag: this.syncRoot, config: config.sync.root },
      this.context.env,
    );
    const manifest = await prepareManifestOnly(root, config);
    const bySize = <T extends { bytes: number; key: string }>(a: T, b: T) =>
      b.bytes - a.bytes || a.key.localeCompare(b.key);
    const files = manifest.entries.map((e) => ({ key: e.path, bytes: e.size })).sort(bySize);
    const dirs = new Map<string, { bytes: number; files: number }>();
    for (const e of manifest.entries) {
      const k = dirKey(e.path);
      const d = dirs.get(k) ?? { bytes: 0, files: 0 };
      d.bytes += e.size;
      d.files++;
      dirs.set(k, d);
    }
    const dirRows = [...dirs.entries()].map(([key, d]) => ({ key, ...d })).sort(bySize);
    if (this.json) {
      printJson(this.context.stdout, {
        root: manifest.root,
        mode: manifest.mode,
        ...(manifest.modeReason ? { modeReason: manifest.modeReason } : {}),
        files: manifest.files,
        bytes: manifest.bytes,
        excludes: manifest.excludes,
        topFiles: files.slice(0, limit).map((f) => ({ path: f.key, bytes: f.bytes })),
        topDirs: dirRows.slice(0, limit).map((d) => ({ path: d.key, bytes: d.bytes, files: d.files })),
      });
      return 0;
    }
    this.out(
      `sync candidate: ${manifest.files} files, ${humanBytes(manifest.bytes)} ${kv({ root: manifest.root, mode: manifest.mode })}`,
    );
    if (manifest.modeReason) this.out(`directory mode: ${manifest.modeReason}; git-aware sync is skipped`);
    this.out("top files:");
    for (const f of files.slice(0, limit)) this.out(`  ${humanBytes(f.bytes).padEnd(10)} ${f.key}`);
    this.out("top dirs:");
    for (const d of dirRows.slice(0, limit))
      this.out(`  ${humanBytes(d.bytes).padEnd(10)} ${d.key} (${d.files} files)`);
    return 0;
  }
}
