import { resolveRemote } from "../cp/scripts";
import { planCopy } from "../cp/spec";
import { download, shownPath, upload } from "../cp/transfer";
import { humanBytes } from "../output/progress";
import { remoteWorkdir } from "../run/workdir";
import { acquire } from "../target";
import { CrabboxCommand } from "./base";
import { Command, Option } from "./clipanion";
import { repoRoot } from "./init";

export class CpCommand extends CrabboxCommand {
  static override paths = [["cp"]];
  static override usage = Command.Usage({
    description: "Copy files or directories between this computer and a lease, either way",
    details:
      "One side is <lease>:<path> (ID or slug). A relative remote path is inside the lease's workdir for this checkout (where `run` syncs it); an absolute one is used as is. A directory's contents are copied into the destination; a file is copied to the destination, or into it when it ends with / or is a directory. Symlinks are skipped.",
    examples: [
      ["Send a file", "crabbox cp ./fixtures/db.sql blue-lobster:fixtures/"],
      ["Fetch a directory", "crabbox cp blue-lobster:out/ ./out"],
    ],
  });
  source = Option.String({ name: "source" });
  destination = Option.String({ name: "destination" });

  async execute(): Promise<number> {
    const plan = planCopy(this.source, this.destination);
    const config = this.loadConfig();
    const progress = this.progress();
    const target = await acquire({
      config,
      env: this.env,
      signal: this.context.signal,
      progress,
      id: plan.lease,
      keep: true,
    });
    progress.done();
    try {
      const { connection } = target;
      const os = connection.target === "windows" ? "windows" : "posix";
      const workdir = remoteWorkdir(connection, repoRoot(this.context.cwd));
      const remote = resolveRemote(os, workdir, plan.remote);
      const local = plan.local;
      const localAbs = shownPath(this.context.cwd, local);
      const fromCwd = (p: string) => (p.startsWith("/") ? p : `${this.context.cwd}/${p}`);
      const result =
        plan.direction === "upload"
          ? await upload(target.session, os, fromCwd(local), remote, plan.remote)
          : await download(target.session, os, remote, fromCwd(local));
      const arrow =
        plan.direction === "upload"
          ? `${localAbs} -> ${connection.slug}:${remote}`
          : `${connection.slug}:${remote} -> ${localAbs}`;
      this.out(`copied ${result.files} files (${humanBytes(result.bytes)}) ${arrow}`);
      if (result.skipped) progress.warn(`cp: skipped ${result.skipped} symlinks or special files`);
      return 0;
    } finally {
      await target.finish(true);
    }
  }
}
