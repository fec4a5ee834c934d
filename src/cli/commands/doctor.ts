import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { hasCoordinator, isStaticProvider, type ResolvedConfig, userConfigPath } from "../config";
import { coordinatorFromConfig } from "../coordinator/connect";
import { probeReady } from "../run/connection";
import { staticConnection } from "../target/static-host";
import { CrabboxCommand, providerLayer } from "./base";
import { Command, Option } from "./clipanion";

type Check = { status: "ok" | "missing" | "failed"; name: string; detail: string };

export class DoctorCommand extends CrabboxCommand {
  static override paths = [["doctor"]];
  static override usage = Command.Usage({
    description: "Check tools, config, coordinator and (with --id) a lease; exit 1 on problems",
    details:
      'With --provider hetzner, aws or azure it also checks the local cloud credentials with read-only calls: identity, region, the classes\' sizes, quota where the cloud exposes it, and permissions (docs/providers.md, "Preflight").',
  });
  provider = Option.String("--provider", {
    description:
      "Provider to use; hetzner, aws and azure also run a read-only preflight of the local credentials",
  });
  id = Option.String("--id", { description: "Also probe this lease's machine" });

  protected override flagLayer() {
    return providerLayer(this.provider);
  }

  private print(check: Check): void {
    this.out(`${check.status.padEnd(7)} ${check.name.padEnd(8)} ${check.detail}`);
  }

  async execute(): Promise<number> {
    const checks: Check[] = [];
    const add = (check: Check) => {
      checks.push(check);
      this.print(check);
    };
    try {
      const version = execFileSync("git", ["--version"], { encoding: "utf8" }).trim();
      add({ status: "ok", name: "git", detail: version });
    } catch {
      add({
        status: "missing",
        name: "git",
        detail: "install git: the sync manifest comes from git ls-files",
      });
    }
    const path = userConfigPath(this.env);
    if (existsSync(path)) {
      const mode = statSync(path).mode & 0o777;
      add(
        mode & 0o077
          ? {
              status: "failed",
              name: "config",
              detail: `${path}: permissions ${mode.toString(8)} want 600 (chmod 600 ${path})`,
            }
          : { status: "ok", name: "config", detail: `${path} permissions=600` },
      );
    } else {
      add({ status: "ok", name: "config", detail: `${path} (not created yet; defaults apply)` });
    }
    let config: ResolvedConfig | undefined;
    try {
      config = this.loadConfig();
      add({
        status: "ok",
        name: "settings",
        detail: `provider=${config.provider} profile=${config.profile} repo=${config.sources.repo.join(",") || "-"}`,
      });
    } catch (error) {
      add({ status: "failed", name: "settings", detail: (error as Error).message });
    }
    if (config && isStaticProvider(config.provider)) {
      try {
        const connection = staticConnection(config, this.env);
        const ready = await probeReady(connection, this.context.signal);
        add(
          ready
            ? {
                status: "ok",
                name: "static",
                detail: `${connection.user}@${connection.host}:${connection.ports[0]}`,
              }
            : {
                status: "failed",
                name: "static",
                detail: `${connection.host}:${connection.ports[0]} does not answer SSH with tar available`,
              },
        );
      } catch (error) {
        add({ status: "failed", name: "static", detail: (error as Error).message });
      }
    } else if (config && hasCoordinator(config)) {
      const client = coordinatorFromConfig(config, this.env);
      try {
        await client.health(this.context.signal);
        add({ status: "ok", name: "coord", detail: client.url });
        const me = await client.whoami(this.context.signal);
        add({
          status: "ok",
          name: "broker",
          detail: `auth=${me.auth} kind=${me.kind} owner=${me.owner} org=${me.org}`,
        });
        if (this.id) {
          const lease = await client.getLease(this.id, this.context.signal);
          const ready = await probeReady(lease, this.context.signal, this.env);
          add({
            status: ready ? "ok" : "failed",
            name: "remote",
            detail: `${lease.id} state=${lease.state} ready=${ready}`,
          });
        }
      } catch (error) {
        add({ status: "failed", name: "coord", detail: (error as Error).message });
      }
    } else if (config) {
      add({
        status: "ok",
        name: "coord",
        detail: "none configured: run/warmup start the local stack (provider local)",
      });
    }
    // Each cloud's preflight (and its SDK) loads only when asked for (docs/cli.md, "Start-up").
    const preflight =
      this.provider === "hetzner"
        ? (await import("./doctor/hetzner-preflight")).hetznerPreflight
        : this.provider === "aws"
          ? (await import("./doctor/aws-preflight")).awsPreflight
          : this.provider === "azure"
            ? (await import("./doctor/azure-preflight")).azurePreflight
            : undefined;
    if (preflight) for (const check of await preflight(this.env, this.context.signal)) add(check);
    const problems = checks.filter((c) => c.status !== "ok").length;
    if (problems) this.err(`doctor found ${problems} problem(s)`);
    return problems ? 1 : 0;
  }
}
