import { CrabboxError } from "../../errors";
import { powershellQuote, shellQuote, shellQuoteWord } from "../ssh/quote";
import { acquire } from "../target";
import { CrabboxCommand, providerLayer } from "./base";
import { Command, Option } from "./clipanion";
import { idOption } from "./lease-options";

export class SshCommand extends CrabboxCommand {
  static override paths = [["ssh"]];
  static override usage = Command.Usage({
    description: "Open an interactive shell (with a pty) on a lease's machine; no system ssh needed",
    details:
      "With --print, prints an OpenSSH command line for the same machine instead (for scp, editors, port forwards). " +
      "Words after `--` run as a command instead of a shell (exactly as typed, no remote expansion).",
    examples: [
      ["A shell on a lease", "crabbox ssh blue-lobster"],
      ["One command", "crabbox ssh blue-lobster -- uname -a"],
      ["An OpenSSH command line", "crabbox ssh --print blue-lobster"],
    ],
  });
  id = idOption();
  provider = Option.String("--provider", { description: "ssh = the static host from config" });
  print = Option.Boolean("--print", false, {
    description: "Print an `ssh` command line instead of connecting",
  });
  /**
   * `<lease> [-- command…]` as one rest: clipanion gives an optional positional before a rest
   * nothing at all (`ssh --print <slug> -- echo hi` was "unknown command"), so the lease is
   * the first word unless `--id` named it or the provider is a static host.
   */
  words = Option.Rest({ name: "lease-id-or-slug [-- command…]" });

  protected override flagLayer() {
    return providerLayer(this.provider);
  }

  async execute(): Promise<number> {
    const config = this.loadConfig();
    const staticHost =
      config.provider === "ssh" || config.provider === "static" || config.provider === "static-ssh";
    const [first, ...after] = this.words;
    const id = this.id ?? (staticHost ? undefined : first);
    const command = this.id || staticHost ? this.words : after;
    if (!id && !staticHost) {
      throw new CrabboxError(
        "usage",
        "ssh needs a lease: crabbox ssh <lease-id-or-slug> (see `crabbox list`)",
      );
    }
    const progress = this.progress();
    const target = await acquire({
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
      const windows = connection.target === "windows";
      const remote = command.length ? (windows ? powershellQuote(command) : shellQuote(command)) : undefined;
      if (this.print) {
        this.out(
          [
            "ssh",
            "-i",
            connection.privateKeyPath,
            "-o",
            "IdentitiesOnly=yes",
            // The key was pinned under the lease ID (docs/cli.md, "The run flow" step 5): without
            // the alias OpenSSH looks it up as [host]:port and fails host key verification.
            ...(connection.knownHostsPath
              ? [
                  "-o",
                  `UserKnownHostsFile=${connection.knownHostsPath}`,
                  "-o",
                  `HostKeyAlias=${connection.hostKeyAlias}`,
                  "-o",
                  "StrictHostKeyChecking=yes",
                ]
              : []),
            "-p",
            String(target.session.port),
            `${connection.user}@${connection.host}`,
            ...(remote ? [remote] : []),
          ]
            .map(shellQuoteWord)
            .join(" "),
        );
        return 0;
      }
      if (remote) {
        const result = await target.session.exec(remote, {
          signal: this.context.signal,
          onStdout: (chunk) => this.context.stdout.write(chunk),
          onStderr: (chunk) => this.context.stderr.write(chunk),
        });
        return result.exitCode;
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
