import { CrabboxError } from "../../errors";
import { printJson } from "../output/print";
import { CrabboxCommand, jsonOption } from "./base";
import { Command } from "./clipanion";
import { idOption, idPositional, pickId } from "./lease-options";
import { idleFor } from "./lease-view";

export class InspectCommand extends CrabboxCommand {
  static override paths = [["inspect"]];
  static override usage = Command.Usage({
    description: "Print every field of a lease, one key=value per line",
  });
  id = idOption();
  positional = idPositional();
  json = jsonOption();

  async execute(): Promise<number> {
    const id = pickId(this.id, this.positional);
    if (!id) throw new CrabboxError("usage", "inspect needs a lease: crabbox inspect <lease-id-or-slug>");
    const config = this.loadConfig();
    const lease = await this.requireCoordinator(config, "inspect").getLease(id, this.context.signal);
    if (this.json) {
      printJson(this.context.stdout, lease);
      return 0;
    }
    const lines: [string, unknown][] = [
      ["id", lease.id],
      ["slug", lease.slug],
      ["provider", lease.provider],
      ["target", lease.target],
      ["state", lease.state],
      ["machine_state", lease.machineState],
      ["server", lease.serverName ?? lease.cloudID],
      ["type", lease.serverType],
      ["host", lease.host],
      ["ssh", lease.host ? `-p ${lease.sshPort} ${lease.sshUser}@${lease.host}` : undefined],
      ["ssh_fallback_ports", lease.sshFallbackPorts?.join(",")],
      ["workroot", lease.workRoot],
      ["owner", lease.owner],
      ["org", lease.org],
      ["keep", lease.keep],
      ["idle_for", idleFor(lease)],
      ["idle_timeout", `${lease.idleTimeoutSeconds}s`],
      ["ttl", `${lease.ttlSeconds}s`],
      ["created", lease.createdAt],
      ["last_touched", lease.lastTouchedAt],
      ["expires", lease.expiresAt],
      ["estimated_hourly_usd", lease.estimatedHourlyUSD],
      ["failure", lease.failureMessage],
    ];
    for (const [key, value] of lines) {
      if (value !== undefined && value !== "") this.out(`${key}=${value}`);
    }
    return 0;
  }
}
