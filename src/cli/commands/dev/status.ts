import { localStackStatus } from "../../../stack/status";
import { Command, Option } from "../clipanion";
import type { CrabboxContext } from "../context";

/** `crabbox dev status`: is the local stack running, where, and which machines it holds. */
export class DevStatusCommand extends Command<CrabboxContext> {
  static override paths = [["dev", "status"]];
  static override usage = Command.Usage({
    description: "Show the local stack (coordinator, machine host, machines)",
  });

  json = Option.Boolean("--json", false, { description: "Print one JSON document on stdout" });

  override async execute(): Promise<number> {
    const status = await localStackStatus(this.context.env);
    const { stdout } = this.context;
    if (this.json) {
      const { info, ...rest } = status;
      const safe = info && {
        pid: info.pid,
        url: info.url,
        port: info.port,
        hostUrl: info.hostUrl,
        startedAt: info.startedAt,
      };
      stdout.write(`${JSON.stringify({ ...rest, stack: safe }, null, 2)}\n`);
      return status.running ? 0 : 1;
    }
    if (!status.running || !status.info) {
      stdout.write(`local stack: not running (state ${status.stateDir})\n`);
      return 1;
    }
    const { info } = status;
    stdout.write(`local stack: running, pid ${info.pid}, since ${info.startedAt}\n`);
    stdout.write(`coordinator: ${info.url} (${status.healthy ? "healthy" : "not answering"})\n`);
    stdout.write(`machine host: ${info.hostUrl}\n`);
    stdout.write(`state: ${status.stateDir}\n`);
    stdout.write(`log: ${status.logFile}\n`);
    if (status.machines === undefined) stdout.write("machines: the host is not answering\n");
    else {
      stdout.write(`machines: ${status.machines.length}\n`);
      for (const m of status.machines) {
        stdout.write(
          `  ${m.id}  ${m.name}  lease=${m.labels.lease ?? "-"}  ssh=127.0.0.1:${m.sshPort}  ${m.ready ? "ready" : m.status}\n`,
        );
      }
    }
    return 0;
  }
}
