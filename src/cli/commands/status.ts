import type { LeaseRecord } from "../../api";
import { CrabboxError } from "../../errors";
import { sleep } from "../../time/sleep";
import { hasCoordinator, isStaticProvider, parseDuration } from "../config";
import { directConnection } from "../direct/connection";
import { type DirectLeaseRecord, matchDirectRecord } from "../direct/records";
import { printJson } from "../output/print";
import { probeReady } from "../run/connection";
import { staticConnection } from "../target/static-host";
import { CrabboxCommand, jsonOption, providerLayer } from "./base";
import { Command, Option } from "./clipanion";
import { directLeaseLine, directLeaseView } from "./direct-lease-view";
import { idOption, idPositional, pickId } from "./lease-options";
import { leaseLine, telemetryLine } from "./lease-view";

/** One look at a lease: what to print, whether it is ready, and why it never will be. */
interface Snapshot {
  ready: boolean;
  json: unknown;
  lines: string[];
  ended?: string;
}

export class StatusCommand extends CrabboxCommand {
  static override paths = [["status"]];
  static override usage = Command.Usage({
    description: "Show a lease's state and whether its machine answers SSH (ready=true)",
    details: "A lease ID or slug of a direct lease recorded on this computer is answered from that record.",
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
    // Lease IDs are unique, so a lease this computer created directly is that lease even
    // when a coordinator (which never heard of it) is configured.
    const record = id ? matchDirectRecord(this.env, id) : undefined;
    if (record) return this.poll(record.leaseID, deadline, () => this.directSnapshot(record));
    if (isStaticProvider(config.provider)) {
      const connection = staticConnection(config, this.env);
      return this.poll(connection.host, deadline, async () => {
        const ready = await probeReady(connection, this.context.signal);
        const view = {
          id: connection.leaseID,
          slug: connection.slug,
          provider: "ssh",
          host: connection.host,
        };
        return {
          ready,
          json: { ...view, ready },
          lines: [`${view.id} slug=${view.slug} provider=ssh host=${view.host} ready=${ready}`],
        };
      });
    }
    if (!id) throw new CrabboxError("usage", "status needs a lease: crabbox status <lease-id-or-slug>");
    if (!hasCoordinator(config)) {
      throw new CrabboxError(
        "not_found",
        `no direct lease "${id}" on this computer, and no coordinator is configured to ask: \`crabbox list\` shows your leases`,
      );
    }
    const client = this.requireCoordinator(config, "status");
    return this.poll(id, deadline, async () => {
      const lease: LeaseRecord = await client.getLease(id, this.context.signal);
      const ready =
        lease.state === "active" && lease.host
          ? await probeReady(lease, this.context.signal, this.env)
          : false;
      const t = telemetryLine(lease);
      return {
        ready,
        json: { ...lease, hasHost: Boolean(lease.host), ready },
        lines: [leaseLine(lease, { ready, has_host: Boolean(lease.host) }), ...(t ? [t] : [])],
        ended: ["released", "expired", "failed"].includes(lease.state)
          ? `lease ${lease.id} is ${lease.state}; it will not become ready`
          : undefined,
      };
    });
  }

  private async directSnapshot(record: DirectLeaseRecord): Promise<Snapshot> {
    const view = directLeaseView(record);
    const ready = await probeReady(directConnection(record, this.env), this.context.signal);
    return {
      ready,
      json: { ...view, hasHost: Boolean(view.host), ready },
      lines: [directLeaseLine(view, { ready, has_host: Boolean(view.host) })],
    };
  }

  /** Prints one snapshot, or with --wait repeats every 2 s until ready (only the last one as JSON). */
  private async poll(what: string, deadline: number, look: () => Promise<Snapshot>): Promise<number> {
    for (;;) {
      const snapshot = await look();
      if (!this.json || snapshot.ready || !this.wait) {
        if (this.json) printJson(this.context.stdout, snapshot.json);
        else for (const line of snapshot.lines) this.out(line);
      }
      if (snapshot.ready || !this.wait) return 0;
      if (snapshot.ended) throw new CrabboxError("not_found", snapshot.ended);
      if (Date.now() > deadline)
        throw new CrabboxError("timeout", `timed out waiting for ${what} to become ready`);
      await sleep(2000);
    }
  }
}
