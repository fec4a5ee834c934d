import { CrabboxError } from "../../errors";
import { isStaticProvider } from "../config";
import { releaseDirectLease } from "../direct/release";
import { deleteLeaseKey } from "../keys/store";
import { printJson } from "../output/print";
import { stopHolder } from "../ssh/holder/client";
import { usesDirectMode } from "../target/source";
import { staticConnection } from "../target/static-host";
import { CrabboxCommand, jsonOption, providerLayer } from "./base";
import { Command, Option } from "./clipanion";

export class StopCommand extends CrabboxCommand {
  static override paths = [["stop"], ["release"]];
  static override usage = Command.Usage({
    description: "Release a lease and delete its machine (alias: release)",
    examples: [["Release a warm lease", "crabbox stop blue-lobster"]],
  });
  provider = Option.String("--provider", { description: "Provider (ssh = the static host from config)" });
  keepMachine = Option.Boolean("--keep-machine", false, {
    description: "End the lease but keep the machine",
  });
  direct = Option.Boolean("--direct", false, {
    description: "The lease is a direct-mode lease of this computer (even with a coordinator configured)",
  });
  json = jsonOption();
  id = Option.String({ required: true, name: "lease-id-or-slug" });

  protected override flagLayer() {
    return providerLayer(this.provider, this.direct);
  }

  async execute(): Promise<number> {
    const config = this.loadConfig();
    if (isStaticProvider(config.provider)) {
      const c = staticConnection(config, this.env);
      this.err(`released static lease=${c.leaseID} host=${c.host} (the host itself is never deleted)`);
      if (this.json) printJson(this.context.stdout, { id: c.leaseID, state: "released" });
      return 0;
    }
    if (usesDirectMode(config)) {
      const { record, outcome } = await releaseDirectLease(this.env, this.id, {
        keepMachine: this.keepMachine,
      });
      await stopHolder(this.env, record.leaseID);
      if (this.json)
        printJson(this.context.stdout, { id: record.leaseID, state: "released", machine: outcome });
      else
        this.err(
          `released direct lease=${record.leaseID} slug=${record.slug} server=${record.cloudID} machine=${outcome}`,
        );
      return 0;
    }
    const client = this.requireCoordinator(config, "stop");
    let lease: Awaited<ReturnType<typeof client.getLease>>;
    try {
      lease = await client.releaseLease(this.id, { delete: !this.keepMachine });
    } catch (error) {
      if ((error as CrabboxError).code === "not_found") {
        throw new CrabboxError("not_found", `no lease ${this.id}: check \`crabbox list\` for the ID or slug`);
      }
      throw error;
    }
    // The lease's SSH connection holder dies with it (docs/sync.md#ssh-connection-holder).
    await stopHolder(this.env, lease.id);
    deleteLeaseKey(this.env, lease.id);
    if (this.json) printJson(this.context.stdout, lease);
    else this.err(`released lease=${lease.id} slug=${lease.slug} state=${lease.state}`);
    return 0;
  }
}
