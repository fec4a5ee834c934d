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
import { type ProviderName, providerNames } from "../../providers/provider";
import { requireAdmin } from "./admin-gate";
import { eventsPageAcrossArchive } from "./archive/archive-events";
import { readExportPageAcrossArchive } from "./archive/archive-export";
import { replayAcrossArchive } from "./archive/archive-replay";
import { withDeadline } from "./deadline";
import type { FleetDeps } from "./deps";
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

  /** The log, live and archived, paged (docs/event-log.md, "Archive"). */
  events(caller: Caller, query: AdminEventsQuery): Promise<EventsPage> {
    requireAdmin(caller.identity);
    return eventsPageAcrossArchive(this.deps, query);
  }

  /** The log as stored with its hash chain, archive included, for `crabbox admin export` (docs/event-log.md). */
  async export(caller: Caller, query: ExportQuery): Promise<ExportPage> {
    requireAdmin(caller.identity);
    const head = this.deps.store.chainHead();
    const page = await readExportPageAcrossArchive(this.deps, {
      after: query.after,
      limit: query.limit,
      ...(query.since !== undefined ? { since: query.since } : {}),
      ...(query.until !== undefined ? { until: query.until } : {}),
    });
    return { entries: page.entries, ...(page.next !== null ? { next: page.next } : {}), head };
  }

  async replay(caller: Caller): Promise<ReplayReport> {
    requireAdmin(caller.identity);
    const report = await replayAcrossArchive(this.deps);
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
