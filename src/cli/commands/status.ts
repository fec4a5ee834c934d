import type { LeaseRecord } from "../../api";
import { CrabboxError } from "../../errors";
import { isStaticProvider, parseDuration } from "../config";
import { printJson } from "../output/print";
import { probeReady } from "../run/connection";
import { staticConnection } from "../static/target";
import { CrabboxCommand, jsonOption, providerLayer } from "./base";
import { Command, Option } from "./clipanion";
import { idOption, idPositional, pickId } from "./lease-options";
import { leaseLine, telemetryLine } from "./lease-view";

export class StatusCommand extends CrabboxCommand {
  static override paths = [["status"]];
  static override usage = Command.Usage({
    description: "Show a lease's state and whether its machine answers SSH (ready=true)",
    examples: [["Wait until a warm lease is usable", "crabbox status --id blue-lobster --wait"]],
  });
  id = idOption();
  positional = idPositional();
  provider = Option.String("--provider", { description: "Provider (ssh = the static host from config)" });
  wait = Option.Boolean("--wait", false, { description: "Poll until the lease is ready" });
  waitTimeout = Option.String("--wait-timeout", "5m", { description: "Give up after this long (exit 5)" });
  json = jsonOption();

  protected override flagLayer() {
    return providerLayer(this.provider);
  }

  async execute(): Promise<number> {
    const config = this.loadConfig();
    const id = pickId(this.id, this.positional);
    const deadline = Date.now() + parseDuration(this.waitTimeout, "--wait-timeout");
    if (isStaticProvider(config.provider)) {
      const connection = staticConnection(config, this.env);
      for (;;) {
        const ready = await probeReady(connection, this.context.signal);
        const view = {
          id: connection.leaseID,
          slug: connection.slug,
          provider: "ssh",
          host: connection.host,
          ready,
        };
        if (!this.json || ready || !this.wait) {
          if (this.json) printJson(this.context.stdout, view);
          else this.out(`${view.id} slug=${view.slug} provider=ssh host=${view.host} ready=${ready}`);
        }
        if (ready || !this.wait) return 0;
        if (Date.now() > deadline)
          throw new CrabboxError("timeout", `timed out waiting for ${connection.host} to become ready`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    if (!id) throw new CrabboxError("usage", "status needs a lease: crabbox status <lease-id-or-slug>");
    const client = this.requireCoordinator(config, "status");
    for (;;) {
      const lease: LeaseRecord = await client.getLease(id, this.context.signal);
      const ready =
        lease.state === "active" && lease.host
          ? await probeReady(lease, this.context.signal, this.env)
          : false;
      if (!this.json || ready || !this.wait) {
        if (this.json) printJson(this.context.stdout, { ...lease, hasHost: Boolean(lease.host), ready });
        else {
          this.out(leaseLine(lease, { ready, has_host: Boolean(lease.host) }));
          const t = telemetryLine(lease);
          if (t) this.out(t);
        }
      }
      if (ready || !this.wait) return 0;
      if (["released", "expired", "failed"].includes(lease.state)) {
        throw new CrabboxError("not_found", `lease ${lease.id} is ${lease.state}; it will not become ready`);
      }
      if (Date.now() > deadline)
        throw new CrabboxError("timeout", `timed out waiting for ${id} to become ready`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}
