import { CrabboxError } from "../../errors";
import { acquireTarget } from "../run/target";
import { CrabboxCommand, providerLayer } from "./base";
import { Command, Option } from "./clipanion";
import { idOption, idPositional, pickId } from "./lease-options";

export class SshCommand extends CrabboxCommand {
  static override paths = [["ssh"]];
  static override usage = Command.Usage({
    description: "Open an interactive shell (with a pty) on a lease's machine; no system ssh needed",
    details:
      "With --print, prints an OpenSSH command line for the same machine instead (for scp, editors, port forwards).",
  });
  id = idOption();
  positional = idPositional();
  provider = Option.String("--provider", { description: "ssh = the static host from config" });
  print = Option.Boolean("--print", false, {
    description: "Print an `ssh` command line instead of connecting",
  });

  protected override flagLayer() {
    return providerLayer(this.provider);
  }

  async execute(): Promise<number> {
    const config = this.loadConfig();
    const id = pickId(this.id, this.positional);
    if (
      !id &&
      config.provider !== "ssh" &&
      config.provider !== "static" &&
      config.provider !== "static-ssh"
    ) {
      throw new CrabboxError(
        "usage",
        "ssh needs a lease: crabbox ssh <lease-id-or-slug> (see `crabbox list`)",
      );
    }
    const progress = this.progress();
    const target = await acquireTarget({
      config,
      env: this.env,
      signal: this.context.signal,
      progress,
      id,
      keep: true,
    });
    progress.done();
    try {
      const { connection } = target;
      if (this.print) {
        this.out(
          [
            "ssh",
            "-i",
            connection.privateKeyPath,
            "-o",
            "IdentitiesOnly=yes",
            ...(connection.knownHostsPath ? ["-o", `UserKnownHostsFile=${connection.knownHostsPath}`] : []),
            "-p",
            String(target.session.port),
            `${connection.user}@${connection.host}`,
          ]
            .map((w) => `'${w.replaceAll("'", "'\\''")}'`)
            .join(" "),
        );
        return 0;
      }
      const stdin = this.context.stdin as NodeJS.ReadStream;
      const stdout = this.context.stdout as NodeJS.WriteStream;
      const raw = Boolean(stdin.isTTY && stdin.setRawMode);
      if (raw) stdin.setRawMode(true);
      try {
        const result = await target.session.shell({
          pty: true,
          term: this.env.TERM ?? "xterm-256color",
          rows: stdout.rows,
          cols: stdout.columns,
          stdin,
          stdout,
          stderr: this.context.stderr,
        });
        return result.exitCode;
      } finally {
        if (raw) stdin.setRawMode(false);
      }
    } finally {
      await target.finish(true);
    }
  }
}
