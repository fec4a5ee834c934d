import type {
  AdminEventsQuery,
  EventsPage,
  PoolMachine,
  PoolQuery,
  PoolResponse,
  ReplayReport,
} from "../../api/admin";
import type { ExportPage, ExportQuery } from "../../api/export";
import { CrabboxError } from "../../errors";
import { readExportPage } from "../../events/export-read";
import { verifyProjections } from "../../projections/verify";
import { type ProviderName, providerNames } from "../../providers/provider";
import { requireAdmin } from "./admin-gate";
import { withDeadline } from "./deadline";
import type { FleetDeps } from "./deps";
import { toLogEvent } from "./events-page";
import type { Caller } from "./rpc";

/** Admin-only views: the providers' inventory, the whole event log, and the replay audit. */
export class AdminService {
  constructor(private readonly deps: FleetDeps) {}

  async pool(caller: Caller, query: PoolQuery): Promise<PoolResponse> {
    requireAdmin(caller.identity);
    const names: ProviderName[] = query.provider ? [query.provider] : [...providerNames];
    const machines: PoolMachine[] = [];
    for (const name of names) {
      let provider: ReturnType<FleetDeps["provider"]>;
      try {
        provider = this.deps.provider(name);
      } catch (error) {
        // Without an explicit provider, the pool lists what is configured and skips the rest.
        if (query.provider) throw error;
        continue;
      }
      try {
        const listed = await withDeadline(
          `provider ${name} list`,
          this.deps.settings.providerCallTimeoutMs,
          () => provider.list(),
        );
        for (const m of listed) {
          machines.push({
            provider: m.provider,
            id: m.cloudID,
            cloudID: m.cloudID,
            name: m.name,
            status: m.status,
            serverType: m.serverType,
            labels: m.labels,
            ...(m.region ? { region: m.region } : {}),
            ...(m.host ? { host: m.host } : {}),
          });
        }
      } catch (error) {
        if (query.provider) {
          if ((error as { code?: unknown }).code === "timeout") throw error;
          throw new CrabboxError("provider_error", `provider ${name} inventory failed`, { provider: name });
        }
      }
    }
    return { machines };
  }

  events(caller: Caller, query: AdminEventsQuery): EventsPage {
    requireAdmin(caller.identity);
    const page = this.deps.store.readAll({
      after: query.after,
      limit: query.limit,
      ...(query.stream ? { stream: query.stream } : {}),
      ...(query.type ? { type: query.type } : {}),
      ...(query.owner ? { owner: query.owner } : {}),
      ...(query.since !== undefined ? { since: query.since } : {}),
      ...(query.until !== undefined ? { until: query.until } : {}),
    });
    const hashes = this.deps.store.hashesOf(page.events.map((e) => e.seq));
    return {
      events: page.events.map((e) => ({
        ...toLogEvent(e),
        ...(hashes.has(e.seq) ? { hash: hashes.get(e.seq) } : {}),
      })),
      ...(page.nextAfter !== null ? { next: page.nextAfter } : {}),
    };
  }

  /** The log as stored with its hash chain, for `crabbox admin export` (docs/event-log.md). */
  export(caller: Caller, query: ExportQuery): ExportPage {
    requireAdmin(caller.identity);
    const head = this.deps.store.chainHead();
    const page = readExportPage(this.deps.sql, {
      after: query.after,
      limit: query.limit,
      ...(query.since !== undefined ? { since: query.since } : {}),
      ...(query.until !== undefined ? { until: query.until } : {}),
    });
    return { entries: page.entries, ...(page.next !== null ? { next: page.next } : {}), head };
  }

  replay(caller: Caller): ReplayReport {
    requireAdmin(caller.identity);
    const report = verifyProjections(this.deps.storage);
    return {
      ok: report.ok,
      events: report.eventsReplayed,
      differences: report.differences.map((d) => ({
        table: d.table,
        key: Object.values(d.key).map(String).join("/"),
        kind: d.live === null ? "missing_live" : d.rebuilt === null ? "missing_rebuilt" : "different",
        ...(d.live ? { live: d.live } : {}),
        ...(d.rebuilt ? { rebuilt: d.rebuilt } : {}),
      })),
    };
  }
}
